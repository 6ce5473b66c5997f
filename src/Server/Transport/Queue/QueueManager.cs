using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Transport.Deliver;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// The node's delivery scheduler (style guideline 7; Postfix qmgr, Stalwart's queue manager): it claims,
/// leases and wakes up; <see cref="DeliveryWorker"/> does the delivering.
/// <para>Implementation summary: one loop claims due Categorized messages with leases
/// (<see cref="QueueStore.ClaimAsync"/>; several nodes on one PostgreSQL store skip each other's
/// rows), up to <see cref="QueueManagerOptions.MaxMessagesInFlight"/> at once, and runs one
/// delivery attempt per claimed message (<see cref="WorkAsync"/>) while renewing its lease, then
/// releases the claim. The loop sleeps until a signal (<see cref="QueueSignals"/>: message ready,
/// worker done, configuration change, admin action) or the earliest due time (next retry, or a lease
/// that will expire).</para>
/// <para>Failure semantics: the lease is renewed while the worker delivers; if the node dies, the lease
/// runs out and any node re-claims the message; recipients recorded before the crash are not sent
/// again. Delivery is at least once: a recipient the remote accepted just before the crash, before
/// its outcome was recorded, is delivered again. An unexpected exception defers the due recipients
/// (never bounce on a bug), so a message that keeps failing still expires with an NDR.</para>
/// </summary>
public sealed class QueueManager(
    QueueStore store,
    QueueSignals signals,
    DeliveryWorker worker,
    StoreWriteRetry retry,
    Mailflow.Cluster.INodeDrainState drain,
    TransportConfigProvider config,
    IOptions<QueueManagerOptions> queueOptions,
    IOptions<MailflowOptions> mailflowOptions,
    TimeProvider time,
    ILogger<QueueManager> logger) : BackgroundService
{
    private readonly QueueManagerOptions _options = queueOptions.Value;
    private readonly HashSet<Task> _workers = [];
    private int _inFlight;

    public string OwnerName { get; } = string.IsNullOrWhiteSpace(queueOptions.Value.OwnerName)
        ? $"{OwnLeaseRecovery.OwnerPrefix(mailflowOptions.Value)}{Environment.ProcessId}"
        : queueOptions.Value.OwnerName;

    private TimeSpan LeaseDuration => TimeSpan.FromSeconds(Math.Max(10, _options.LeaseSeconds));

    /// <summary>Raised (on the worker's thread) with the queue id after a worker released a message: for tests and metrics.</summary>
    public event Action<string>? MessageProcessed;

    /// <summary>Raised after a configuration change sent waiting messages back to routing, with how many moved.</summary>
    public event Action<int>? Rerouted;

    /// <summary>Messages being worked on right now.</summary>
    public int InFlight => Volatile.Read(ref _inFlight);

    public override Task StartAsync(CancellationToken cancellationToken)
    {
        config.Changed += OnConfigurationChanged;
        return base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        config.Changed -= OnConfigurationChanged;
        await base.StopAsync(cancellationToken);
    }

    private void OnConfigurationChanged(TransportConfig _) => signals.Signal(QueueEvent.ConfigurationChanged);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        QueueLog.ManagerStarted(logger, OwnerName);
        var idle = TimeSpan.FromSeconds(Math.Max(1, _options.IdlePollSeconds));
        try
        {
            while (!stoppingToken.IsCancellationRequested)
            {
                var wait = idle;
                try
                {
                    if (signals.TakeConfigurationChanged())
                        await RerouteAsync(stoppingToken);

                    // A draining node claims nothing new; it finishes what it holds.
                    if (drain.IsActive && Math.Max(1, _options.MaxMessagesInFlight) - InFlight > 0)
                    {
                        if (await ClaimPassAsync(stoppingToken))
                            continue; // more may be due right now
                        var next = await store.GetNextWakeAsync(stoppingToken);
                        if (next is { } due)
                            wait = Clamp(due - time.GetUtcNow(), TimeSpan.Zero, idle);
                    }
                    await worker.CloseIdleConnectionsAsync();
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    // The store is unreachable or similar: back off, keep the loop alive.
                    QueueLog.LoopFailed(logger, exception);
                    wait = TimeSpan.FromSeconds(5);
                }
                await signals.WaitAsync(wait, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        finally
        {
            Task[] running;
            lock (_workers)
                running = [.. _workers];
            await Task.WhenAll(running);
        }
    }

    /// <summary>
    /// One claim pass, per next hop with due work: no more than the hop's free connection slots plus
    /// <see cref="QueueManagerOptions.ClaimPrefetchPerNextHop"/> (what this node holds, it alone can send,
    /// until it dies and another node takes it over). True when some hop filled its whole share, so more
    /// may be claimable right now.
    /// </summary>
    private async Task<bool> ClaimPassAsync(CancellationToken stoppingToken)
    {
        var snapshot = config.Current;
        var full = _hops.Full(key => ClaimLimit(key, snapshot));
        var hops = await store.ListClaimableNextHopsAsync(full, Math.Max(1, _options.NextHopsPerPass), stoppingToken);
        var more = false;
        IReadOnlySet<string>? suspended = null;
        foreach (var hop in hops)
        {
            var free = Math.Max(1, _options.MaxMessagesInFlight) - InFlight;
            if (free <= 0)
                return false;
            var room = ClaimLimit(hop, snapshot) - _hops.Claimed(hop);
            var want = Math.Min(Math.Min(free, room), Math.Max(1, _options.ClaimBatchSize));
            if (want <= 0)
                continue;
            var claims = await store.ClaimAsync(OwnerName, want, LeaseDuration, QueuedMessageState.Categorized, stoppingToken,
                poisoned: m => TrackPoison(m, $"its worker stopped while delivering it {m.CrashCount} times"), nextHopKey: hop);
            // Read once per claim pass, not per message: a suspension applies from the next pass.
            if (claims.Count > 0)
                suspended ??= await store.LoadSuspendedNextHopsAsync(stoppingToken);
            foreach (var claim in claims)
                StartWorker(claim, suspended!, stoppingToken);
            more |= claims.Count == want;
        }
        return more;
    }

    /// <summary>How many messages with recipients on <paramref name="nextHopKey"/> this node holds at most.</summary>
    private int ClaimLimit(string nextHopKey, TransportConfig snapshot) =>
        worker.ConcurrencyLimit(nextHopKey, snapshot) + Math.Max(0, _options.ClaimPrefetchPerNextHop);

    /// <summary>The messages this node holds per next hop (a message counts on every hop of its open recipients).</summary>
    private readonly ClaimedPerNextHop _hops = new();

    /// <summary>Messages held by this node per next hop.</summary>
    public int ClaimedOn(string nextHopKey) => _hops.Claimed(nextHopKey);

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;

    private void StartWorker(QueueClaim claim, IReadOnlySet<string> suspended, CancellationToken stoppingToken)
    {
        Interlocked.Increment(ref _inFlight);
        var hops = ClaimedPerNextHop.HopsOf(claim.Message);
        _hops.Add(hops);
        var work = Task.Run(() => WorkAsync(claim, suspended, stoppingToken), CancellationToken.None);
        lock (_workers)
            _workers.Add(work);
        work.ContinueWith(done =>
        {
            lock (_workers)
                _workers.Remove(done);
            _hops.Remove(hops);
            Interlocked.Decrement(ref _inFlight);
            signals.Signal(QueueEvent.WorkerDone);
        }, TaskScheduler.Default);
    }

    /// <summary>One message under one lease: one delivery attempt (deliver, record, notify), then release. Never throws.</summary>
    private async Task WorkAsync(QueueClaim claim, IReadOnlySet<string> suspended, CancellationToken stoppingToken)
    {
        using var scope = LogScopes.Message(logger, claim.Message);
        using var work = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var lease = claim.Lease;
        var renewal = RenewAsync(lease, work);
        try
        {
            // The delivery attempt starts here and ends when DeliverAsync returns (or throws, below).
            if (!await worker.DeliverAsync(claim, suspended, work.Token))
                await store.ReleaseAsync(lease, cancellationToken: CancellationToken.None);
        }
        catch (OperationCanceledException) when (work.IsCancellationRequested)
        {
            // Shutting down, or the lease was lost: the message becomes claimable when the lease ends.
            if (stoppingToken.IsCancellationRequested)
                await TryReleaseAsync(lease);
        }
        catch (Exception exception) when (StoreFailure.Is(exception))
        {
            // The store is away: not the message's fault (no crash counted). Release it as soon as the store
            // accepts writes again, so it is retried at once rather than when its lease ends.
            retry.Enqueue($"the release of message {claim.Message.QueueId} after a failed delivery write",
                ct => store.ReleaseAsync(lease, cancellationToken: ct), () => signals.Signal(QueueEvent.MessageReady), exception);
        }
        catch (Exception exception)
        {
            // The delivery attempt crashed.
            QueueLog.WorkerFailed(logger, claim.Message.QueueId, exception);
            await worker.DeferAfterCrashAsync(claim, exception);
            await TryReleaseAsync(lease);
        }
        finally
        {
            await work.CancelAsync();
            await renewal;
            MessageProcessed?.Invoke(claim.Message.QueueId);
        }
    }

    private async Task TryReleaseAsync(QueueLease lease)
    {
        try
        {
            await store.ReleaseAsync(lease, cancellationToken: CancellationToken.None);
        }
        catch (Exception exception)
        {
            QueueLog.ReleaseFailed(logger, lease.MessageId, exception);
        }
    }

    /// <summary>Extends the lease every third of its duration; cancels the work when it is lost.</summary>
    private async Task RenewAsync(QueueLease lease, CancellationTokenSource work)
    {
        var current = lease;
        try
        {
            while (!work.IsCancellationRequested)
            {
                await Task.Delay(LeaseDuration / 3, time, work.Token);
                var renewed = await store.RenewLeaseAsync(current, LeaseDuration, work.Token);
                if (renewed is null)
                {
                    await work.CancelAsync();
                    return;
                }
                current = renewed;
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception exception)
        {
            // Could not reach the store to renew: keep working; if the lease really runs out, the
            // fencing token makes our later writes fail harmlessly.
            QueueLog.RenewFailed(logger, lease.MessageId, exception);
        }
    }

    /// <summary>Tracks a message set aside in the Poison queue when a claim finds it crashed before.</summary>
    private void TrackPoison(QueuedMessage message, string why) => worker.TrackPoison(message, why);

    /// <summary>After a configuration change: recipients waiting on "unreachable" or on a connector that is gone go back to routing.</summary>
    private async Task RerouteAsync(CancellationToken cancellationToken)
    {
        var snapshot = config.Current;
        var stale = (await store.ListWaitingNextHopsAsync(cancellationToken)).Where(key => worker.NeedsRerouting(key, snapshot)).ToList();
        var moved = await store.ResubmitForRoutingAsync(stale, cancellationToken);
        if (moved > 0)
            QueueLog.Resubmitted(logger, moved, snapshot.Generation);
        Rerouted?.Invoke(moved);
    }
}
