using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Deliver.Smtp;
using Mailflow.Server.Transport.Notify;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Tracking;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// The node's delivery scheduler (style guideline 7; Postfix qmgr, Stalwart's queue manager).
/// <para>Implementation summary: one loop claims due Categorized messages with leases
/// (<see cref="QueueStore.ClaimAsync"/>; several nodes on one PostgreSQL store skip each other's
/// rows), up to <see cref="QueueManagerOptions.MaxMessagesInFlight"/> at once, and starts a worker per
/// message. The worker groups the message's due recipients by next hop, delivers each group through
/// the agent for that hop under the hop's concurrency limit, records each recipient's outcome
/// (delivered; deferred to the retry schedule's time; failed), writes tracking events, sends the
/// DSNs that are due, and releases the claim. The loop sleeps until a signal
/// (<see cref="QueueSignals"/>: message ready, worker done, configuration change, admin action) or
/// the earliest due time (next retry, or a lease that will expire).</para>
/// <para>Failure semantics: a worker renews its lease while it delivers; if the node dies, the lease
/// runs out and any node re-claims the message; recipients recorded before the crash are not sent
/// again. Delivery is at least once: a recipient the remote accepted just before the crash, before
/// its outcome was recorded, is delivered again. An unexpected exception defers the due recipients
/// (never bounce on a bug), so a message that keeps failing still expires with an NDR.</para>
/// </summary>
public sealed class QueueManager(
    QueueStore store,
    QueueSignals signals,
    IEnumerable<IDeliveryAgent> agents,
    IDeliveryTargetResolver targets,
    NextHopConcurrency concurrency,
    SmtpConnectionPool poolCloser,
    TransportConfigProvider config,
    DeliveryNotifier notifier,
    MessageTracker tracker,
    IOptions<QueueManagerOptions> queueOptions,
    IOptions<MailflowOptions> mailflowOptions,
    TimeProvider time,
    ILogger<QueueManager> logger) : BackgroundService
{
    private readonly Dictionary<DeliveryTargetKind, IDeliveryAgent> _agents = agents.ToDictionary(a => a.Kind);
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

                    var free = Math.Max(1, _options.MaxMessagesInFlight) - InFlight;
                    if (free > 0)
                    {
                        var want = Math.Min(free, Math.Max(1, _options.ClaimBatchSize));
                        var claims = await store.ClaimAsync(OwnerName, want, LeaseDuration, QueuedMessageState.Categorized, stoppingToken,
                            poisoned: m => TrackPoison(m, $"its worker stopped while delivering it {m.CrashCount} times"));
                        // Read once per claim pass, not per message: a suspension applies from the next pass.
                        var suspended = claims.Count == 0 ? EmptySuspensions : await store.LoadSuspendedNextHopsAsync(stoppingToken);
                        foreach (var claim in claims)
                            StartWorker(claim, suspended, stoppingToken);
                        if (claims.Count == want)
                            continue; // more may be due right now
                        var next = await store.GetNextWakeAsync(stoppingToken);
                        if (next is { } due)
                            wait = Clamp(due - time.GetUtcNow(), TimeSpan.Zero, idle);
                    }
                    await poolCloser.CloseIdleAsync();
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

    private static readonly IReadOnlySet<string> EmptySuspensions = new HashSet<string>();

    private static TimeSpan Clamp(TimeSpan value, TimeSpan min, TimeSpan max) => value < min ? min : value > max ? max : value;

    private void StartWorker(QueueClaim claim, IReadOnlySet<string> suspended, CancellationToken stoppingToken)
    {
        Interlocked.Increment(ref _inFlight);
        var worker = Task.Run(() => WorkAsync(claim, suspended, stoppingToken), CancellationToken.None);
        lock (_workers)
            _workers.Add(worker);
        worker.ContinueWith(done =>
        {
            lock (_workers)
                _workers.Remove(done);
            Interlocked.Decrement(ref _inFlight);
            signals.Signal(QueueEvent.WorkerDone);
        }, TaskScheduler.Default);
    }

    /// <summary>One message under one lease: deliver, record, notify, release. Never throws.</summary>
    private async Task WorkAsync(QueueClaim claim, IReadOnlySet<string> suspended, CancellationToken stoppingToken)
    {
        using var work = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken);
        var lease = claim.Lease;
        var renewal = RenewAsync(lease, work);
        try
        {
            if (!await DeliverMessageAsync(claim, suspended, work.Token))
                await store.ReleaseAsync(lease, cancellationToken: CancellationToken.None);
        }
        catch (OperationCanceledException) when (work.IsCancellationRequested)
        {
            // Shutting down, or the lease was lost: the message becomes claimable when the lease ends.
            if (stoppingToken.IsCancellationRequested)
                await TryReleaseAsync(lease);
        }
        catch (Exception exception)
        {
            QueueLog.WorkerFailed(logger, claim.Message.QueueId, exception);
            await DeferAfterFailureAsync(claim, exception);
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

    /// <summary>Delivers the due recipients and records the results; true when that also released the claim.</summary>
    private async Task<bool> DeliverMessageAsync(QueueClaim claim, IReadOnlySet<string> suspended, CancellationToken cancellationToken)
    {
        var message = claim.Message;
        var lease = claim.Lease;
        var snapshot = config.Current;
        var schedule = new RetrySchedule(snapshot.Organization);
        var now = time.GetUtcNow();
        var open = message.Recipients.Where(r => !r.Status.IsFinal()).ToList();
        var outcomes = new Dictionary<long, RecipientOutcome>();
        var results = new List<RecipientResult>();
        var attempts = new List<Attempt>();

        if (schedule.IsExpired(message.QueuedAt, now))
        {
            var expired = DeliveryReplies.Expired(schedule.Expiration);
            results.AddRange(open.Select(r => new RecipientResult(r.Id, QueuedRecipientStatus.PermanentFailure, Stored(expired, r.LastRemoteHost))));
            tracker.Track(MessageTrackingEventKind.Expire, message, open.Select(r => r.Address), reply: expired.ToString(), replyCode: expired.Code);
        }
        else
        {
            var due = open.Where(r => r.NextRetryAt is null || r.NextRetryAt <= now).ToList();
            var groups = due.GroupBy(r => r.NextHopKey ?? "").ToList();
            var delivered = await Task.WhenAll(groups.Select(group =>
                DeliverGroupAsync(message, lease, group.Key, group.ToList(), snapshot, schedule, suspended, cancellationToken)));
            foreach (var attempt in delivered.SelectMany(a => a))
            {
                attempts.Add(attempt);
                outcomes[attempt.Outcome.Recipient.Id] = attempt.Outcome;
                results.Add(attempt.Result);
            }
        }

        // Usually no DSN is due (the recipients were delivered, or deferred before the delay notice):
        // then the outcomes, "notified" and the release are one write, batched with other messages'.
        if (!notifier.IsNotificationDue(message, outcomes, results, schedule, now))
        {
            await store.RecordOutcomesAsync(lease, results, settled: true, cancellationToken);
            Track(message, attempts);
            return true;
        }
        if (results.Count > 0)
            await store.RecordOutcomesAsync(lease, results, settled: false, cancellationToken);
        Track(message, attempts);
        await notifier.NotifyAsync(lease, message.QueueId, outcomes, schedule, cancellationToken);
        return false;
    }

    /// <summary>Delivers one next hop's recipients; the outcomes are recorded by the caller, all at once.</summary>
    private async Task<IReadOnlyList<Attempt>> DeliverGroupAsync(
        QueuedMessage message, QueueLease lease, string nextHopKey, IReadOnlyList<QueuedRecipient> recipients,
        TransportConfig snapshot, RetrySchedule schedule, IReadOnlySet<string> suspended, CancellationToken cancellationToken)
    {
        if (suspended.Contains(nextHopKey))
        {
            // An administrator holds this queue: wait without spending attempts; expiry still applies.
            await store.PostponeRecipientsAsync(lease, recipients.Select(r => r.Id).ToList(), schedule.ExpiresAt(message.QueuedAt), cancellationToken);
            return [];
        }

        IReadOnlyList<RecipientOutcome> outcomes;
        DeliveryTarget? target = null;
        var resolution = nextHopKey.Length == 0
            ? DeliveryTargetResolution.Failed(DeliveryReplies.UnknownNextHop("(none)"))
            : await targets.ResolveAsync(nextHopKey, snapshot, cancellationToken);
        if (resolution.Target is null)
        {
            var reply = resolution.Failure ?? DeliveryReplies.UnknownNextHop(nextHopKey);
            var kind = reply.IsPermanent ? RecipientOutcomeKind.Permanent : RecipientOutcomeKind.Transient;
            outcomes = recipients.Select(r => new RecipientOutcome(r, kind, reply)).ToList();
        }
        else if (!_agents.TryGetValue(resolution.Target.Kind, out var agent))
        {
            outcomes = recipients.Select(r => new RecipientOutcome(r, RecipientOutcomeKind.Transient, DeliveryReplies.UnknownNextHop(nextHopKey))).ToList();
        }
        else
        {
            target = resolution.Target;
            using (await concurrency.EnterAsync(nextHopKey, target.MaxConcurrentDeliveries, cancellationToken))
                outcomes = await agent.DeliverAsync(new DeliveryBatch(message, recipients, target, c => store.LoadContentAsync(message.Id, c)), cancellationToken);
        }

        var now = time.GetUtcNow();
        var connector = target?.Smtp.ConnectorName;
        var delivered = target?.Kind == DeliveryTargetKind.Smtp ? MessageTrackingEventKind.Send : MessageTrackingEventKind.Deliver;
        return outcomes.Select(outcome =>
        {
            var recipient = outcome.Recipient;
            var stored = Stored(outcome.Reply, outcome.RemoteHost);
            var result = outcome.Kind switch
            {
                RecipientOutcomeKind.Delivered => new RecipientResult(recipient.Id, QueuedRecipientStatus.Delivered, stored),
                RecipientOutcomeKind.Permanent => new RecipientResult(recipient.Id, QueuedRecipientStatus.PermanentFailure, stored),
                _ => new RecipientResult(recipient.Id, QueuedRecipientStatus.TemporaryFailure, stored,
                    schedule.NextRetry(message.QueuedAt, recipient.AttemptCount + 1, now, delayNotified: recipient.DelayNotifiedAt is not null)),
            };
            return new Attempt(outcome, result, nextHopKey, connector, delivered);
        }).ToList();
    }

    /// <summary>One recipient's delivery attempt: what the agent said, what gets recorded, and where it went (for tracking).</summary>
    private sealed record Attempt(RecipientOutcome Outcome, RecipientResult Result, string NextHopKey, string? Connector, MessageTrackingEventKind DeliveredKind);

    private void Track(QueuedMessage message, IEnumerable<Attempt> attempts)
    {
        foreach (var (outcome, result, nextHop, connector, deliveredKind) in attempts)
        {
            string[] address = [outcome.Recipient.Address];
            var reply = outcome.Reply;
            switch (outcome.Kind)
            {
                case RecipientOutcomeKind.Delivered:
                    tracker.Track(deliveredKind, message, address, nextHop, connector, outcome.RemoteHost, reply.Code, reply.ToString());
                    break;
                case RecipientOutcomeKind.Permanent:
                    tracker.Track(MessageTrackingEventKind.Fail, message, address, nextHop, connector, outcome.RemoteHost, reply.Code, reply.ToString());
                    break;
                default:
                    tracker.Track(MessageTrackingEventKind.Defer, message, address, nextHop, connector, outcome.RemoteHost, reply.Code, reply.ToString(),
                        detail: $"retry at {result.RetryAt:O}{(outcome.ConnectionFailure ? " (connection failure)" : "")}");
                    break;
            }
        }
    }

    /// <summary>After an unexpected failure: defer every due recipient by the schedule, so the message neither spins nor bounces.</summary>
    private async Task DeferAfterFailureAsync(QueueClaim claim, Exception exception)
    {
        try
        {
            var schedule = new RetrySchedule(config.Current.Organization);
            var now = time.GetUtcNow();
            var reply = DeliveryReplies.LocalDeliveryFailed($"internal error ({exception.GetType().Name})");
            foreach (var recipient in claim.Message.Recipients.Where(r => !r.Status.IsFinal() && (r.NextRetryAt is null || r.NextRetryAt <= now)))
                await store.DeferRecipientAsync(claim.Lease, recipient.Id, Stored(reply, null),
                    schedule.NextRetry(claim.Message.QueuedAt, recipient.AttemptCount + 1, now), CancellationToken.None);
            if (await store.RecordCrashAsync(claim.Lease, CancellationToken.None))
                TrackPoison(claim.Message, $"delivery failed unexpectedly ({exception.GetType().Name}) {QueuedMessage.PoisonThreshold} times");
            else
                tracker.Track(MessageTrackingEventKind.Defer, claim.Message, reply: reply.ToString(), replyCode: reply.Code,
                    detail: $"delivery failed unexpectedly ({exception.GetType().FullName}); a second failure moves it to the Poison queue");
        }
        catch (Exception deferFailure)
        {
            QueueLog.WorkerFailed(logger, claim.Message.QueueId, deferFailure);
        }
    }

    /// <summary>Tracks a message set aside in the Poison queue (by this worker's failure, or when a claim found it crashed before).</summary>
    private void TrackPoison(QueuedMessage message, string why) =>
        tracker.Track(MessageTrackingEventKind.Poison, message,
            detail: $"Moved to the Poison queue: {why}. It stays there until an administrator resumes or removes it.");

    /// <summary>After a configuration change: recipients waiting on "unreachable" or on a connector that is gone go back to routing.</summary>
    private async Task RerouteAsync(CancellationToken cancellationToken)
    {
        var snapshot = config.Current;
        var stale = (await store.ListWaitingNextHopsAsync(cancellationToken)).Where(key => targets.NeedsRerouting(key, snapshot)).ToList();
        var moved = await store.ResubmitForRoutingAsync(stale, cancellationToken);
        if (moved > 0)
            QueueLog.Resubmitted(logger, moved, snapshot.Generation);
        Rerouted?.Invoke(moved);
    }

    /// <summary>The stored form of a reply: the code, and "x.y.z text" so the DSN can recover the enhanced code.</summary>
    internal static DeliveryResponse Stored(DeliveryReply reply, string? remoteHost) =>
        new($"{reply.EnhancedCode} {reply.Text}", reply.Code, remoteHost);
}
