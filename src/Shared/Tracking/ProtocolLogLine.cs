using System.Globalization;

namespace Mailflow.Tracking;

/// <summary>One line of the SMTP protocol log (Exchange's format: <c>date-time,connector-id,session-id,local-endpoint,remote-endpoint,event,data</c>).</summary>
/// <param name="Event"><c>&lt;</c> received from the client, <c>&gt;</c> sent to it, <c>*</c> information.</param>
public sealed record ProtocolLogLine(DateTimeOffset Time, string Connector, string SessionId, string LocalEndPoint, string RemoteEndPoint, string Event, string Data)
{
    /// <summary>
    /// Parses one CSV line as the writer formats it: a field is quoted when it holds a comma, quote or
    /// line break, with quotes doubled (RFC 4180 §2). Returns null for the <c>#Fields:</c> header,
    /// comments, blank or malformed lines, so a damaged file still shows everything that is readable.
    /// </summary>
    public static ProtocolLogLine? Parse(string line)
    {
        if (line.Length == 0 || line[0] == '#')
            return null;
        var fields = new List<string>(7);
        var i = 0;
        while (i <= line.Length && fields.Count < 7)
        {
            if (i < line.Length && line[i] == '"')
            {
                var value = new System.Text.StringBuilder();
                i++;
                while (i < line.Length)
                {
                    if (line[i] == '"')
                    {
                        if (i + 1 < line.Length && line[i + 1] == '"')
                        {
                            value.Append('"');
                            i += 2;
                            continue;
                        }
                        i++;
                        break;
                    }
                    value.Append(line[i++]);
                }
                fields.Add(value.ToString());
                i++; // the comma after the closing quote
            }
            else
            {
                var comma = fields.Count == 6 ? -1 : line.IndexOf(',', i);
                var end = comma < 0 ? line.Length : comma;
                fields.Add(line[i..end]);
                i = end + 1;
            }
        }
        if (fields.Count != 7 || !DateTimeOffset.TryParse(fields[0], CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var time))
            return null;
        return new ProtocolLogLine(time, fields[1], fields[2], fields[3], fields[4], fields[5], fields[6]);
    }

    /// <summary>The client's IP address without the port ("192.0.2.7" from "192.0.2.7:52100", "::1" from "[::1]:52100").</summary>
    public string RemoteAddress => AddressOf(RemoteEndPoint);

    public static string AddressOf(string endPoint)
    {
        if (endPoint.StartsWith('['))
        {
            var close = endPoint.IndexOf(']');
            return close > 0 ? endPoint[1..close] : endPoint;
        }
        var colon = endPoint.LastIndexOf(':');
        return colon > 0 && endPoint.IndexOf(':') == colon ? endPoint[..colon] : endPoint;
    }
}
