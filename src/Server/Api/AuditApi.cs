using Mailflow.Auditing;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/audit: who changed what, when — with filters and paging.</summary>
public static class AuditApi
{
    public sealed record AuditPage(IReadOnlyList<AuditEntry> Items, int Page, int PageSize, int Total);

    public const int MaximumPageSize = 500;

    public static RouteGroupBuilder MapAuditApi(this RouteGroupBuilder api)
    {
        api.MapGet("/audit", async (IDbContextFactory<MailflowDbContext> dbFactory, string? objectType, string? actor, string? objectName,
                DateTimeOffset? from, DateTimeOffset? to, int? page, int? pageSize, CancellationToken ct) =>
            {
                var size = Math.Clamp(pageSize ?? 50, 1, MaximumPageSize);
                var number = Math.Max(page ?? 1, 1);
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var query = db.AuditEntries.AsNoTracking();
                if (!string.IsNullOrWhiteSpace(objectType))
                    query = query.Where(a => a.ObjectType == objectType);
                if (!string.IsNullOrWhiteSpace(actor))
                    query = query.Where(a => a.Actor == actor);
                if (!string.IsNullOrWhiteSpace(objectName))
                {
                    var text = objectName.Trim().ToLower();
                    query = query.Where(a => a.ObjectName.ToLower().Contains(text));
                }
                if (from is { } since)
                    query = query.Where(a => a.At >= since);
                if (to is { } until)
                    query = query.Where(a => a.At < until);
                var total = await query.CountAsync(ct);
                // Id follows insertion order, which is the order of the changes.
                var items = await query.OrderByDescending(a => a.Id).Skip((number - 1) * size).Take(size).ToListAsync(ct);
                return new AuditPage(items, number, size, total);
            })
            .WithTags("Audit log").WithName("ListAuditEntries")
            .WithSummary("Audit entries, newest first. Filters: objectType (exact, e.g. AcceptedDomain), actor (exact, e.g. apikey:ci), objectName (contains), from/to (ISO 8601); page from 1");
        return api;
    }
}
