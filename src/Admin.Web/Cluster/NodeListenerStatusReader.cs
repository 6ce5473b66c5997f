using Mailflow.Admin.Web.Dashboard;
using Mailflow.Cluster;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Admin.Web.Cluster;

/// <summary>
/// Which receive connector bindings the live nodes could not listen on, from their node registry heartbeats.
/// A node whose heartbeat is older than <see cref="DashboardQuery.HeartbeatTolerance"/> is left out: the
/// dashboard shows it as silent, and its last report may be long stale.
/// </summary>
public sealed class NodeListenerStatusReader(IDbContextFactory<MailflowDbContext> dbFactory, TimeProvider time)
{
    public async Task<IReadOnlyList<NodeListenerFailure>> ReadAsync(CancellationToken cancellationToken)
    {
        var liveSince = time.GetUtcNow() - DashboardQuery.HeartbeatTolerance;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var reports = await db.Nodes.AsNoTracking()
            .Where(n => n.ListenerFailures != null && n.LastHeartbeat >= liveSince)
            .Select(n => new { n.Name, n.ListenerFailures })
            .ToListAsync(cancellationToken);
        return [.. reports
            .SelectMany(r => ListenerBindFailure.Deserialize(r.ListenerFailures).Select(f => new NodeListenerFailure(r.Name, f)))
            .OrderBy(f => f.Node, StringComparer.Ordinal).ThenBy(f => f.Failure.Binding, StringComparer.Ordinal)];
    }
}
