using Mailflow.Cluster;
using Mailflow.Data;
using Mailflow.Server.Transport.Categorize;
using Mailflow.Server.Transport.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Cluster;

/// <summary>
/// Drains this node (Exchange's maintenance mode) when an administrator asks for it on any node
/// (<see cref="NodeDrainService"/> sets the request on this node's registration), and resumes it.
/// <para>Implementation summary: once a second the node reads its own registration. Asked to drain, it
/// goes <see cref="NodeDrainPhase.Draining"/>: new SMTP sessions get <c>421 4.3.2</c>, the categorizer and
/// the queue manager claim nothing new, deliveries still waiting for a connection slot give their
/// messages back, deliveries in flight finish. When nothing is in flight and no write waits for the store,
/// it releases whatever lease it still holds (so other nodes take the messages at once) and reports
/// <see cref="NodeDrainPhase.Drained"/>. Resumed, it goes back to Active. The phase it reached is written
/// to its registration, for the node list, the API and the CLI; the request survives a restart.</para>
/// </summary>
public sealed partial class NodeDrainController(
    IDbContextFactory<MailflowDbContext> dbFactory,
    NodeDrainState state,
    QueueManager queueManager,
    Categorizer categorizer,
    StoreWriteRetry retry,
    SqliteStoreGate gate,
    QueueSignals queueSignals,
    SubmissionSignal submissions,
    IOptions<MailflowOptions> options,
    TimeProvider time,
    ILogger<NodeDrainController> logger) : Hosting.PeriodicWorker(time)
{
    private static readonly TimeSpan CheckInterval = TimeSpan.FromSeconds(1);

    private string NodeName => options.Value.ResolvedNodeName;

    protected override TimeSpan Interval => CheckInterval;

    protected override void OnStepFailed(Exception exception) =>
        // The store is away: keep the phase we are in and look again.
        Log.CheckFailed(logger, exception);

    protected override Task RunOnceAsync(CancellationToken stoppingToken) => StepAsync(stoppingToken);

    /// <summary>One look at this node's registration and one step towards what it asks for. Internal for tests.</summary>
    internal async Task StepAsync(CancellationToken cancellationToken)
    {
        bool requested;
        NodeDrainPhase reported;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
        {
            var row = await db.Nodes.AsNoTracking().Where(n => n.Name == NodeName)
                .Select(n => new { n.DrainRequested, n.DrainPhase }).FirstOrDefaultAsync(cancellationToken);
            if (row is null)
                return; // not registered yet: nobody can have asked
            requested = row.DrainRequested;
            reported = row.DrainPhase;
        }

        if (requested && state.Phase == NodeDrainPhase.Active)
        {
            state.Set(NodeDrainPhase.Draining);
            Log.Draining(logger, NodeName, queueManager.InFlight);
        }
        if (requested && state.Phase == NodeDrainPhase.Draining && IsIdle())
        {
            var released = await ReleaseOwnLeasesAsync(cancellationToken);
            state.Set(NodeDrainPhase.Drained);
            Log.Drained(logger, NodeName, released);
        }
        if (!requested && state.Phase != NodeDrainPhase.Active)
        {
            state.Set(NodeDrainPhase.Active);
            Log.Resumed(logger, NodeName);
            queueSignals.Signal(QueueEvent.MessageReady);
            submissions.Ring();
        }
        if (reported != state.Phase)
        {
            var phase = state.Phase;
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            await using (await gate.EnterWriteAsync(db, cancellationToken))
                await db.Nodes.Where(n => n.Name == NodeName).ExecuteUpdateAsync(s => s.SetProperty(n => n.DrainPhase, phase), cancellationToken);
        }
    }

    private bool IsIdle() => queueManager.InFlight == 0 && !categorizer.IsBusy && retry.Pending == 0;

    /// <summary>Frees every lease this node still holds (nothing of it is in flight any more): other nodes claim those messages now.</summary>
    private async Task<int> ReleaseOwnLeasesAsync(CancellationToken cancellationToken)
    {
        var prefix = OwnLeaseRecovery.OwnerPrefix(NodeName);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using (await gate.EnterWriteAsync(db, cancellationToken))
        {
            return await db.QueuedMessages
                .Where(m => m.LeaseOwner != null && m.LeaseOwner.StartsWith(prefix))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.LeaseOwner, (string?)null)
                    .SetProperty(m => m.LeaseToken, (Guid?)null)
                    .SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null), cancellationToken);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(4310, LogLevel.Warning, "Node {Node} is draining: new SMTP sessions are refused and no new work is claimed; {InFlight} delivery(ies) in flight finish")]
        public static partial void Draining(ILogger logger, string node, int inFlight);

        [LoggerMessage(4311, LogLevel.Warning, "Node {Node} is drained: nothing in flight; {Released} lease(s) released to the other nodes")]
        public static partial void Drained(ILogger logger, string node, int released);

        [LoggerMessage(4312, LogLevel.Information, "Node {Node} resumed: accepting SMTP sessions and claiming work again")]
        public static partial void Resumed(ILogger logger, string node);

        [LoggerMessage(4313, LogLevel.Warning, "Reading this node's drain request failed; trying again shortly")]
        public static partial void CheckFailed(ILogger logger, Exception exception);
    }
}
