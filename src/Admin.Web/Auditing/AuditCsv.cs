using System.Globalization;
using System.Text;
using Mailflow.Auditing;

namespace Mailflow.Admin.Web.Auditing;

/// <summary>
/// The audit log as CSV (RFC 4180) for spreadsheets and archives: times in ISO 8601 UTC, the changed fields
/// in one readable column and the full before/after JSON (which never holds secrets) in two more.
/// </summary>
public static class AuditCsv
{
    public const string ContentType = "text/csv; charset=utf-8";
    public const string Header = "time,actor,action,object_type,object_name,object_id,generation,changes,before,after";

    public static string FileName(DateTimeOffset now) => $"mailflow-audit-{now.UtcDateTime:yyyyMMdd-HHmmss}.csv";

    public static async Task WriteAsync(Stream output, IAsyncEnumerable<AuditEntry> entries, CancellationToken cancellationToken)
    {
        await using var writer = new StreamWriter(output, new UTF8Encoding(false), leaveOpen: true);
        await writer.WriteLineAsync(Header);
        await foreach (var entry in entries.WithCancellation(cancellationToken))
            await writer.WriteLineAsync(Line(entry));
        await writer.FlushAsync(cancellationToken);
    }

    public static string Line(AuditEntry entry) => string.Join(',',
        entry.At.UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ss.fffZ", CultureInfo.InvariantCulture),
        Field(entry.Actor),
        entry.Action.ToString(),
        Field(entry.ObjectType),
        Field(entry.ObjectName),
        Field(entry.ObjectId),
        entry.Generation.ToString(CultureInfo.InvariantCulture),
        Field(string.Join("; ", AuditFieldDiff.Compare(entry.Before, entry.After).Select(c => $"{c.Field}: {c.Before ?? "—"} → {c.After ?? "—"}"))),
        Field(entry.Before ?? ""),
        Field(entry.After ?? ""));

    /// <summary>
    /// Quotes when needed, and defuses spreadsheet formulas: a failed sign-in records whatever user name was typed,
    /// and a cell starting with = + - @ would run as a formula when the file is opened (OWASP "CSV injection").
    /// </summary>
    public static string Field(string value)
    {
        if (value.Length > 0 && value[0] is '=' or '+' or '-' or '@' or '\t' or '\r')
            value = "'" + value;
        return value.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? "\"" + value.Replace("\"", "\"\"") + "\"" : value;
    }
}
