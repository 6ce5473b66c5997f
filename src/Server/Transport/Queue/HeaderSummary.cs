using System.Runtime.InteropServices;
using System.Text;
using Mailflow.Queue;
using MimeKit;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// Subject, From and Message-ID for the queue viewer, read from the header section at the start of
/// the content (the staging's in-memory prefix: at most 64 KiB, so a hostile header section costs
/// nothing extra). A summary is a convenience: content MimeKit cannot parse yields nulls, never a
/// failed commit.
/// </summary>
public sealed record HeaderSummary(string? Subject, string? From, string? MessageId)
{
    public static readonly HeaderSummary Empty = new(null, null, null);

    public static HeaderSummary Parse(ReadOnlyMemory<byte> headerSection)
    {
        try
        {
            using var stream = MemoryMarshal.TryGetArray(headerSection, out var segment)
                ? new MemoryStream(segment.Array!, segment.Offset, segment.Count, writable: false)
                : new MemoryStream(headerSection.ToArray(), writable: false);
            var headers = HeaderList.Load(ParserOptions.Default, stream);
            return new HeaderSummary(
                Clean(headers[HeaderId.Subject]),
                Clean(headers[HeaderId.From]),
                Clean(headers[HeaderId.MessageId]));
        }
        catch (FormatException)
        {
            return Empty;
        }
    }

    /// <summary>
    /// Makes a decoded header value safe for any text column: control characters (NUL is rejected by
    /// PostgreSQL) become spaces, unpaired surrogates become U+FFFD (Npgsql refuses to encode them), and
    /// the result is cut to the column length (RFC 5322 §2.1.1's 998).
    /// </summary>
    public static string? Clean(string? value)
    {
        if (string.IsNullOrWhiteSpace(value))
            return null;
        var text = new StringBuilder(Math.Min(value.Length, QueueModel.HeaderSummaryLength));
        for (var i = 0; i < value.Length && text.Length < QueueModel.HeaderSummaryLength; i++)
        {
            var c = value[i];
            if (char.IsHighSurrogate(c) && i + 1 < value.Length && char.IsLowSurrogate(value[i + 1]))
            {
                if (text.Length + 2 > QueueModel.HeaderSummaryLength)
                    break;
                text.Append(c).Append(value[++i]);
            }
            else if (char.IsSurrogate(c))
                text.Append('\uFFFD');
            else if (char.IsControl(c))
                text.Append(' ');
            else
                text.Append(c);
        }
        var cleaned = text.ToString().Trim();
        return cleaned.Length == 0 ? null : cleaned;
    }
}
