using System.Globalization;
using System.Text;
using Mailflow.Configuration;
using Mailflow.Queue;

namespace Mailflow.Tracking;

/// <summary>
/// The message trace as CSV (RFC 4180), one row per recipient with its outcome: what the admin center's
/// "Export CSV" and <c>GET /api/v1/trace/messages.csv</c> both write. Times are ISO 8601 in UTC; next hops
/// carry the key and the name the live configuration gives it. A cell that a spreadsheet would run as a
/// formula (=, +, -, @) is prefixed with an apostrophe (OWASP "CSV injection"): subjects and addresses come from
/// strangers.
/// </summary>
public static class TraceCsv
{
    public const string ContentType = "text/csv; charset=utf-8";

    public static readonly string[] Columns =
        ["queue_id", "message_id", "received_at", "sender", "subject", "recipient", "outcome", "outcome_at", "next_hop", "next_hop_name", "remote_host", "reply"];

    public static string FileName(DateTimeOffset now) => $"message-trace-{now.UtcDateTime:yyyyMMdd-HHmmss}.csv";

    public static async Task WriteAsync(IEnumerable<TracedMessage> messages, TransportConfig config, TextWriter writer, CancellationToken cancellationToken = default)
    {
        await writer.WriteAsync(string.Join(',', Columns) + "\r\n");
        foreach (var message in messages)
        {
            cancellationToken.ThrowIfCancellationRequested();
            foreach (var recipient in message.Recipients)
            {
                var row = new[]
                {
                    message.QueueId, message.InternetMessageId, IsoTime.Utc(message.FirstSeen), message.Sender, message.Subject, recipient.Address,
                    recipient.Outcome.ToString(), IsoTime.Utc(recipient.At), recipient.NextHop,
                    recipient.NextHop is null ? null : NextHopDisplay.Describe(recipient.NextHop, config).Text,
                    recipient.RemoteHost, recipient.Reply,
                };
                await writer.WriteAsync(string.Join(',', row.Select(Cell)) + "\r\n");
            }
        }
    }

    public static async Task<string> ToStringAsync(IEnumerable<TracedMessage> messages, TransportConfig config)
    {
        var builder = new StringBuilder();
        await using var writer = new StringWriter(builder, CultureInfo.InvariantCulture);
        await WriteAsync(messages, config, writer);
        return builder.ToString();
    }

    /// <summary>UTF-8 with a byte order mark, so spreadsheet programs read non-ASCII subjects right.</summary>
    public static byte[] Utf8(string csv) => [.. Encoding.UTF8.GetPreamble(), .. Encoding.UTF8.GetBytes(csv)];

    internal static string Cell(string? value)
    {
        if (string.IsNullOrEmpty(value))
            return "";
        if (value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            value = "'" + value;
        return value.IndexOfAny([',', '"', '\r', '\n']) >= 0 ? "\"" + value.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : value;
    }
}
