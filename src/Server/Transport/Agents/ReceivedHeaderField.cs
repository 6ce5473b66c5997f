using System.Text;

namespace Mailflow.Server.Transport.Agents;

/// <summary>
/// One header field of the received content, where it sits in the octets: what an agent names when
/// it asks for the field to be left out of the stored message (<see cref="AgentMessage.RemoveReceivedHeader"/>).
/// </summary>
/// <param name="Offset">The field's first octet in the received content.</param>
/// <param name="Length">Its octets including folded lines and the final CRLF.</param>
/// <param name="Value">The unfolded value, without the leading space.</param>
public sealed record ReceivedHeaderField(long Offset, int Length, string Name, string Value)
{
    /// <summary>
    /// The header fields of the header section at the start of <paramref name="content"/>, in order. Only
    /// complete fields are returned: a section longer than the span stops at the last whole field.
    /// </summary>
    public static IReadOnlyList<ReceivedHeaderField> Scan(ReadOnlySpan<byte> content)
    {
        var fields = new List<ReceivedHeaderField>();
        var position = 0;
        while (position < content.Length)
        {
            if (content[position] is (byte)'\r' or (byte)'\n')
                break; // the empty line that ends the header section
            var end = position;
            // A field is its first line plus every following line that starts with a space or tab (RFC 5322 §2.2.3).
            while (true)
            {
                var lineEnd = content[end..].IndexOf((byte)'\n');
                if (lineEnd < 0)
                    return fields;
                end += lineEnd + 1;
                if (end >= content.Length)
                    return fields; // cannot tell whether the field continues
                if (content[end] is not ((byte)' ' or (byte)'\t'))
                    break;
            }
            var field = content[position..end];
            var colon = field.IndexOf((byte)':');
            if (colon <= 0)
                break; // not a header field: the body started without an empty line
            var name = Encoding.ASCII.GetString(field[..colon]).TrimEnd();
            var value = Encoding.UTF8.GetString(field[(colon + 1)..]).Replace("\r\n", "").Replace("\n", "").Trim();
            fields.Add(new ReceivedHeaderField(position, end - position, name, value));
            position = end;
        }
        return fields;
    }
}
