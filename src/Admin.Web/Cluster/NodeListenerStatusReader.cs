using Mailflow.Admin.Web.Dashboard;
using Mailflow.Cluster;

namespace Mailflow.Admin.Web.Cluster;

/// <summary>
/// Which receive connector bindings the live nodes could not listen on, from their node registry heartbeats
/// (the shared <see cref="NodeStatusQuery"/>). A node whose heartbeat is older than
/// <see cref="DashboardQuery.HeartbeatTolerance"/> is left out: the dashboard shows it as silent, and its
/// last report may be long stale.
/// </summary>
public sealed class NodeListenerStatusReader(NodeStatusQuery nodes, TimeProvider time)
{
    public async Task<IReadOnlyList<NodeListenerFailure>> ReadAsync(CancellationToken cancellationToken)
    {
        var liveSince = time.GetUtcNow() - DashboardQuery.HeartbeatTolerance;
        var report = await nodes.ReadAsync(cancellationToken);
        return [.. report.Nodes
            .Where(n => n.IsLiveSince(liveSince))
            .SelectMany(n => n.ListenerFailures.Select(f => new NodeListenerFailure(n.Name, f)))
            .OrderBy(f => f.Node, StringComparer.Ordinal).ThenBy(f => f.Failure.Binding, StringComparer.Ordinal)];
    }
}
