using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Cluster;

/// <summary>One node sharing the store, as its last heartbeat left it.</summary>
/// <param name="ListenerFailures">Receive connector bindings it could not listen on (empty when all listen).</param>
public sealed record NodeStatus(
    string Name,
    string Address,
    DateTimeOffset StartedAt,
    DateTimeOffset LastHeartbeat,
    long ActiveGeneration,
    IReadOnlyList<ListenerBindFailure> ListenerFailures,
    DateTimeOffset FirstStartedAt = default,
    int StartCount = 1,
    bool DrainRequested = false,
    NodeDrainPhase DrainPhase = NodeDrainPhase.Active)
{
    /// <summary>How many times the node was started again after its first start.</summary>
    public int Restarts => Math.Max(0, StartCount - 1);

    /// <summary>Whether the node heartbeated at or after <paramref name="since"/>: a stopped node drops out instead of showing as forever behind.</summary>
    public bool IsLiveSince(DateTimeOffset since) => LastHeartbeat >= since;
}

/// <summary>The node registry at one moment: the newest saved configuration generation and every registered node (by name, ordinal).</summary>
public sealed record NodeStatusReport(long LatestGeneration, IReadOnlyList<NodeStatus> Nodes)
{
    public bool IsUpToDate(NodeStatus node) => node.ActiveGeneration >= LatestGeneration;
}

/// <summary>
/// The node status read model, shared by the admin center (generation badge, listener warnings) and
/// <c>/api/v1/nodes</c>: one read of the node registry and the newest generation. Which nodes count as
/// live is the reader's choice (<see cref="NodeStatus.IsLiveSince"/>), the rows are the same.
/// </summary>
public sealed class NodeStatusQuery(IDbContextFactory<MailflowDbContext> dbFactory)
{
    public async Task<NodeStatusReport> ReadAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var latest = await Configuration.TransportConfigLoader.ReadLatestGenerationAsync(db, cancellationToken);
        var nodes = await db.Nodes.AsNoTracking().ToListAsync(cancellationToken);
        return new NodeStatusReport(latest, [.. nodes
            .OrderBy(n => n.Name, StringComparer.Ordinal)
            .Select(n => new NodeStatus(n.Name, n.Address, n.StartedAt, n.LastHeartbeat, n.ActiveGeneration, ListenerBindFailure.Deserialize(n.ListenerFailures),
                n.FirstStartedAt == default ? n.StartedAt : n.FirstStartedAt, n.StartCount, n.DrainRequested, n.DrainPhase))]);
    }
}
