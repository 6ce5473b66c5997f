using Mailflow.Admin.Web.Auditing;
using Mailflow.Auditing;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/audit: who changed what, when — with filters, sorting and paging, and the same selection as CSV.</summary>
public static class AuditApi
{
    public sealed record AuditPage(IReadOnlyList<AuditEntry> Items, int Page, int PageSize, int Total);

    public const int MaximumPageSize = AuditLogQuery.MaximumPageSize;

    private const string FilterHelp = "Filters: text (contained in object, type or actor), objectType (exact, e.g. AcceptedDomain), actor (exact, e.g. apikey:ci), "
        + "objectName (contains), from/to (ISO 8601)";

    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", async (AuditLogQuery query, string? text, string? objectType, string? actor, string? objectName,
                DateTimeOffset? from, DateTimeOffset? to, AuditLogSort? sort, int? page, int? pageSize, CancellationToken ct) =>
            {
                var size = Math.Clamp(pageSize ?? 50, 1, MaximumPageSize);
                var number = Math.Max(page ?? 1, 1);
                var result = await query.PageAsync(new AuditLogFilter(text, actor, objectType, objectName, from, to),
                    (number - 1) * size, size, sort ?? AuditLogSort.NewestFirst, ct);
                return new AuditPage(result.Items, number, size, result.Total);
            })
            .WithTags("Audit log").WithName("ListAuditEntries")
            .WithSummary($"Audit entries, newest first unless sort says otherwise (NewestFirst, OldestFirst, Actor, Object). {FilterHelp}; page from 1");

        api.MapGet("/audit/export", (HttpContext context, AuditLogQuery query, TimeProvider time, string? text, string? objectType, string? actor,
                string? objectName, DateTimeOffset? from, DateTimeOffset? to) =>
                AuditExportEndpoint.WriteCsv(context, query, time, new AuditLogFilter(text, actor, objectType, objectName, from, to)))
            .WithTags("Audit log").WithName("ExportAuditEntries")
            .Produces(StatusCodes.Status200OK, contentType: "text/csv")
            .WithSummary($"Every audit entry the filter selects as CSV (RFC 4180, times in ISO 8601 UTC, newest first). {FilterHelp}");
        return api;
    }
}
