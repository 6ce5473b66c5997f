using Mailflow.Data;
using Mailflow.Server.Transport.Categorize;
using Mailflow.Server.Transport.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Cluster;

/// <summary>
/// Takeover by heartbeat: a node that has not heartbeated for <see cref="MailflowOptions.NodeTakeoverSeconds"/>
/// is taken for dead, and its running leases (categorizer and delivery claims alike) end at once, so this
/// node's categorizer and queue manager claim the messages within seconds instead of waiting for the
/// leases to run out (up to five minutes).
/// <para>Failure semantics: a node that is only cut off from the store (not dead) loses its claims the
/// same way; its later writes are refused by the lease fencing tokens, at the cost of a possible duplicate
/// delivery — the usual at-least-once window. A restarted node frees its own old leases itself at start-up
/// (<see cref="OwnLeaseRecovery"/>).</para>
/// </summary>
public sealed partial class DeadNodeTakeover(
    IDbContextFactory<MailflowDbContext> dbFactory,
    QueueStore store,
    QueueSignals queueSignals,
    SubmissionSignal submissions,
    IOptions<MailflowOptions> options,
    TimeProvider time,
    ILogger<DeadNodeTakeover> logger) : Hosting.PeriodicWorker(time)
{
    /// <summary>How long a node may stay silent before its work is taken over.</summary>
    public TimeSpan TakeoverAfter { get; } = TimeSpan.FromSeconds(Math.Max(1, options.Value.NodeTakeoverSeconds));

    /// <summary>How often the registry is read: a fraction of the takeover time, so detection adds little to it.</summary>
    private TimeSpan CheckInterval => TimeSpan.FromSeconds(Math.Clamp(TakeoverAfter.TotalSeconds / 5, 1, 5));

    protected override TimeSpan Interval => CheckInterval;

    protected override void OnStepFailed(Exception exception) =>
        // The store is away: nobody can claim anything anyway; look again next time.
        Log.CheckFailed(logger, exception);

    protected override Task RunOnceAsync(CancellationToken stoppingToken) => TakeOverSilentNodesAsync(stoppingToken);

    /// <summary>One look at the registry; returns how many leases were taken over. Internal for tests.</summary>
    internal async Task<int> TakeOverSilentNodesAsync(CancellationToken cancellationToken)
    {
        var self = options.Value.ResolvedNodeName;
        var silentSince = Time.GetUtcNow() - TakeoverAfter;
        List<string> silent;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            silent = await db.Nodes.Where(n => n.LastHeartbeat < silentSince && n.Name != self).Select(n => n.Name).ToListAsync(cancellationToken);
        var taken = 0;
        foreach (var node in silent)
        {
            var ended = await store.TakeOverLeasesAsync(node, cancellationToken);
            if (ended > 0)
                Log.TookOver(logger, ended, node, TakeoverAfter.TotalSeconds);
            taken += ended;
        }
        if (taken > 0)
        {
            queueSignals.Signal(QueueEvent.MessageReady);
            submissions.Ring();
        }
        return taken;
    }

    private static partial class Log
    {
        [LoggerMessage(4300, LogLevel.Warning, "Took over {Count} message lease(s) of node {Node}: it has not heartbeated for {Seconds} s")]
        public static partial void TookOver(ILogger logger, int count, string node, double seconds);

        [LoggerMessage(4301, LogLevel.Warning, "Looking for silent nodes failed; trying again shortly")]
        public static partial void CheckFailed(ILogger logger, Exception exception);
    }
}
