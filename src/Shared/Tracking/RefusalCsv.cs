using System.Globalization;
using System.Text;

namespace Mailflow.Tracking;

/// <summary>
/// The refusals of the message trace as CSV (RFC 4180), one row per refusal: what the trace page's "Export CSV" on the
/// Refused tab and <c>GET /api/v1/trace/refusals.csv</c> both write. Cells are escaped as <see cref="TraceCsv"/> does
/// (HELO names, addresses and DNS block list reasons come from strangers).
/// </summary>
public static class RefusalCsv
{
    public static readonly string[] Columns =
        ["time", "node", "client_ip", "helo", "sender", "recipients", "connector", "agent", "reason", "reply_code", "reply", "session_id"];

    public static string FileName(DateTimeOffset now) => $"smtp-refusals-{now.UtcDateTime:yyyyMMdd-HHmmss}.csv";

    public static string ToCsv(IEnumerable<TracedRefusal> refusals)
    {
        var builder = new StringBuilder();
        builder.Append(string.Join(',', Columns)).Append("\r\n");
        foreach (var r in refusals)
        {
            var row = new[]
            {
                IsoTime.Utc(r.Time), r.Node, r.ClientAddress, r.Helo, r.Sender, r.Recipients, r.Connector, r.Agent, r.Reason,
                r.ReplyCode?.ToString(CultureInfo.InvariantCulture), r.Reply, r.SessionId,
            };
            builder.Append(string.Join(',', row.Select(TraceCsv.Cell))).Append("\r\n");
        }
        return builder.ToString();
    }
}
