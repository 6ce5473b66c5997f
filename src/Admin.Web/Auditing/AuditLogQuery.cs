using Mailflow.Auditing;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Admin.Web.Auditing;

/// <summary>Reads the newest audit entries, optionally only those whose object or actor contains a text.</summary>
public sealed class AuditLogQuery(IDbContextFactory<MailflowDbContext> dbFactory)
{
    public const int PageSize = 200;

    public async Task<IReadOnlyList<AuditEntry>> NewestAsync(string? contains, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.AuditEntries.AsNoTracking();
        if (!string.IsNullOrWhiteSpace(contains))
        {
            var text = contains.Trim().ToLower();
            query = query.Where(a => a.ObjectName.ToLower().Contains(text) || a.Actor.ToLower().Contains(text) || a.ObjectType.ToLower().Contains(text));
        }
        // Id follows insertion order, which is the order of the changes.
        return await query.OrderByDescending(a => a.Id).Take(PageSize).ToListAsync(cancellationToken);
    }
}
