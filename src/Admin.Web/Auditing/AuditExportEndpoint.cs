using Mailflow.Auditing;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Mailflow.Admin.Web.Auditing;

/// <summary>The audit log page's CSV download, with the page's filter in the query string. Every signed-in admin may read the log.</summary>
public static class AuditExportEndpoint
{
    public const string Path = "/admin/audit-log/export.csv";

    public static string PathFor(AuditLogFilter filter)
    {
        var query = new Dictionary<string, string?>
        {
            ["text"] = filter.Text,
            ["actor"] = filter.Actor,
            ["from"] = filter.From?.UtcDateTime.ToString("o"),
            ["to"] = filter.To?.UtcDateTime.ToString("o"),
        }.Where(p => !string.IsNullOrWhiteSpace(p.Value));
        return Microsoft.AspNetCore.WebUtilities.QueryHelpers.AddQueryString(Path, query);
    }

    public static IEndpointRouteBuilder MapAuditExport(this IEndpointRouteBuilder endpoints)
    {
        endpoints.MapGet(Path, (HttpContext context, AuditLogQuery query, TimeProvider time, string? text, string? actor, DateTimeOffset? from, DateTimeOffset? to) =>
            WriteCsv(context, query, time, new AuditLogFilter(Text: text, Actor: actor, From: from, To: to)))
            .RequireAuthorization();
        return endpoints;
    }

    /// <summary>Streams the CSV of everything the filter selects (shared with the API's export).</summary>
    public static IResult WriteCsv(HttpContext context, AuditLogQuery query, TimeProvider time, AuditLogFilter filter) =>
        Results.Stream(output => AuditCsv.WriteAsync(output, query.StreamAsync(filter, context.RequestAborted), context.RequestAborted),
            AuditCsv.ContentType, AuditCsv.FileName(time.GetUtcNow()));
}
