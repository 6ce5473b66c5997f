using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Operations.Tracing;
using Mailflow.Server.Transport.Deliver.Smtp;
using Mailflow.Server.Transport.Notify;
using Mailflow.Server.Transport.Queue;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Tracking;

namespace Mailflow.Server.Transport.Deliver;

/// <summary>
/// Delivers one claimed message (Postfix's delivery agents behind qmgr): the queue manager claims and
/// holds the lease, this worker does the work under it.
/// <para>Implementation summary: <see cref="DeliverAsync"/> groups the message's due recipients by
/// next hop, resolves each hop to a <see cref="DeliveryTarget"/>, delivers each group through the
/// agent for that target's kind under the hop's concurrency limit, records each recipient's outcome
/// (delivered; deferred to the retry schedule's time; failed) in one lease-fenced write, writes
/// tracking events and sends the DSNs that are due. <see cref="DeferAfterCrashAsync"/> is the other
/// end of an attempt that threw.</para>
/// </summary>
public sealed class DeliveryWorker(
    QueueStore store,
    IEnumerable<IDeliveryAgent> agents,
    IDeliveryTargetResolver targets,
    NextHopConcurrency concurrency,
    OutboundDomainThrottle outboundLimit,
    SmtpConnectionPool pool,
    TransportConfigProvider config,
    DeliveryNotifier notifier,
    StoreWriteRetry retry,
    QueueSignals signals,
    Cluster.NodeDrainState drain,
    MessageTracker tracker,
    TimeProvider time,
    ILogger<DeliveryWorker> logger)
{
    private readonly Dictionary<DeliveryTargetKind, IDeliveryAgent> _agents = agents.ToDictionary(a => a.Kind);

    /// <summary>
    /// One delivery attempt of a claimed message: delivers the due recipients (those of
    /// <paramref name="suspended"/> next hops wait) and records the results. True when that also
    /// released the claim; false when the caller still has to release it.
    /// </summary>
    public async Task<bool> DeliverAsync(QueueClaim claim, IReadOnlySet<string> suspended, CancellationToken cancellationToken)
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
            // A recipient last deferred because its mailbox was full gets 5.2.2, the reason it never arrived.
            var expiredFull = DeliveryReplies.ExpiredMailboxFull(schedule.Expiration);
            results.AddRange(open.Select(r => new RecipientResult(r.Id, QueuedRecipientStatus.PermanentFailure,
                Stored(r.LastResponse?.StartsWith("4.2.2", StringComparison.Ordinal) == true ? expiredFull : expired, r.LastRemoteHost))));
            tracker.Track(MessageTrackingEventKind.Expire, message, open.Select(r => r.Address), reply: expired.ToString(), replyCode: expired.Code);
            foreach (var recipient in open)
                DeliveryMetrics.Recipient(DeliveryMetrics.Outcome.Expired, NextHopDisplay.Describe(recipient.NextHopKey, snapshot).Name);
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
            try
            {
                await store.RecordOutcomesAsync(lease, results, settled: true, cancellationToken);
            }
            catch (Exception exception) when (StoreFailure.Is(exception))
            {
                // The store is away after the attempt: write these outcomes (and the release) as soon as it is
                // back, under the same lease, rather than deliver again after the lease ran out.
                retry.Enqueue($"the delivery outcomes of message {message.QueueId}",
                    ct => store.RecordOutcomesAsync(lease, results, settled: true, ct), () => signals.Signal(QueueEvent.MessageReady), exception);
            }
            Track(message, attempts);
            return true;
        }
        if (results.Count > 0)
            await store.RecordOutcomesAsync(lease, results, settled: false, cancellationToken);
        Track(message, attempts);
        await notifier.NotifyAsync(lease, message.QueueId, outcomes, schedule, cancellationToken);
        return false;
    }

    /// <summary>After a delivery attempt threw: defer every due recipient by the schedule, so the message neither spins nor bounces. Never throws.</summary>
    public async Task DeferAfterCrashAsync(QueueClaim claim, Exception exception)
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

    /// <summary>Tracks a message set aside in the Poison queue (by a worker's failure, or when a claim found it crashed before).</summary>
    public void TrackPoison(QueuedMessage message, string why) =>
        tracker.Track(MessageTrackingEventKind.Poison, message,
            detail: $"Moved to the Poison queue: {why}. It stays there until an administrator resumes or removes it.");

    /// <summary>Whether recipients waiting on <paramref name="nextHopKey"/> must go back to routing under <paramref name="snapshot"/> (unreachable, or the connector is gone).</summary>
    public bool NeedsRerouting(string nextHopKey, TransportConfig snapshot) => targets.NeedsRerouting(nextHopKey, snapshot);

    /// <summary>Deliveries to <paramref name="nextHopKey"/> at once under <paramref name="snapshot"/> (no lookup).</summary>
    public int ConcurrencyLimit(string nextHopKey, TransportConfig snapshot) => targets.ConcurrencyLimit(nextHopKey, snapshot);

    /// <summary>Closes pooled SMTP connections that idled past their timeout; called on every wake-up of the queue manager.</summary>
    public Task CloseIdleConnectionsAsync() => pool.CloseIdleAsync();

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

        using var activity = MailflowTracing.StartForStoredMessage(MailflowTracing.Spans.Delivery, message);
        activity?.SetTag(MailflowTracing.Attributes.NextHop, NextHopDisplay.Describe(nextHopKey, snapshot).Name)
            .SetTag(MailflowTracing.Attributes.Recipients, recipients.Count);
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
            if (target.Kind == DeliveryTargetKind.Smtp && outboundLimit.Hold(recipients, snapshot) is { } held)
            {
                await HoldForRateLimitAsync(message, lease, nextHopKey, target, held, cancellationToken);
                recipients = [.. recipients.Except(held.Recipients)];
                if (recipients.Count == 0)
                    return [];
            }
            IDisposable slot;
            using (var waiting = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, drain.HandOver))
            {
                try
                {
                    slot = await concurrency.EnterAsync(nextHopKey, target.MaxConcurrentDeliveries, waiting.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    // The node began draining before this delivery started: no attempt; the release hands
                    // the recipients to another node.
                    return [];
                }
            }
            using (slot)
                outcomes = await agent.DeliverAsync(new DeliveryBatch(message, recipients, target,
                    c => StoreUnavailableException.WhenAwayAsync(() => store.LoadContentAsync(message.Id, c))), cancellationToken);
        }

        var now = time.GetUtcNow();
        DeliveryMetrics.Attempted(NextHopDisplay.Describe(nextHopKey, snapshot).Name, outcomes, now - message.QueuedAt, message.Size);
        activity?.SetTag(MailflowTracing.Attributes.Outcome, string.Join(", ", outcomes.GroupBy(o => o.Kind).Select(g => $"{g.Key.ToString().ToLowerInvariant()} {g.Count()}")));
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

    /// <summary>Recipients over the outbound rate limit wait until it has room, without an attempt counted (as for a suspended queue).</summary>
    private async Task HoldForRateLimitAsync(QueuedMessage message, QueueLease lease, string nextHopKey, DeliveryTarget target, OutboundDomainThrottle.Held held, CancellationToken cancellationToken)
    {
        var until = time.GetUtcNow() + held.Wait;
        await store.PostponeRecipientsAsync(lease, held.Recipients.Select(r => r.Id).ToList(), until, cancellationToken);
        var reply = DeliveryReplies.DomainRateLimited(string.Join(", ", held.Domains), held.Limit);
        tracker.Track(MessageTrackingEventKind.Defer, message, held.Recipients.Select(r => r.Address), nextHopKey, target.Smtp.ConnectorName, null, reply.Code, reply.ToString(),
            detail: $"outbound rate limit per destination domain; next attempt at {until:O}");
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
                    tracker.Track(deliveredKind, message, address, nextHop, connector, outcome.RemoteHost, reply.Code, reply.ToString(),
                        detail: JoinDetails(deliveredKind == MessageTrackingEventKind.Send ? Smtp.DsnHandOver.Explain(outcome, message.DsnEnvelopeId) : null, outcome.TlsPolicyNote));
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

    /// <summary>The stored form of a reply: the code, and "x.y.z text" so the DSN can recover the enhanced code.</summary>
    internal static DeliveryResponse Stored(DeliveryReply reply, string? remoteHost) =>
        new($"{reply.EnhancedCode} {reply.Text}", reply.Code, remoteHost);

    /// <summary>The Send/Deliver event's detail: who reports on DSNs, and the TLS policy's note, whichever apply.</summary>
    private static string? JoinDetails(string? first, string? second) =>
        (first, second) switch
        {
            (null or "", _) => second,
            (_, null or "") => first,
            _ => first + " " + second,
        };
}
