using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Operations.Alerts;

/// <summary>The alerts read model, shared by the admin center (Alerts page, nav badge, dashboard), <c>/api/v1/alerts</c> and the CLI.</summary>
public sealed class AlertQuery(IDbContextFactory<MailflowDbContext> dbFactory)
{
    public const int DefaultHistoryLimit = 200;

    /// <summary>Active alerts, critical first, then the longest-standing.</summary>
    public async Task<IReadOnlyList<AlertRecord>> ActiveAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var active = await db.Alerts.AsNoTracking().Where(a => a.ClearedAt == null).ToListAsync(cancellationToken);
        return [.. active.OrderByDescending(a => a.Severity).ThenBy(a => a.RaisedAt).ThenBy(a => a.Id)];
    }

    public async Task<int> CountActiveAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Alerts.CountAsync(a => a.ClearedAt == null, cancellationToken);
    }

    /// <summary>Cleared alerts, newest raised first.</summary>
    public async Task<IReadOnlyList<AlertRecord>> HistoryAsync(int limit = DefaultHistoryLimit, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Alerts.AsNoTracking().Where(a => a.ClearedAt != null)
            .OrderByDescending(a => a.RaisedAt).ThenByDescending(a => a.Id)
            .Take(Math.Clamp(limit, 1, 10_000)).ToListAsync(cancellationToken);
    }
}
