using System.Collections.Immutable;
using System.Net;
using System.Security.Cryptography;
using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Operations.Tracing;
using Mailflow.Server.Transport.Categorize.TransportRules;
using Mailflow.Server.Transport.Notify;
using Mailflow.Server.Transport.Queue;
using Mailflow.Server.Transport.Route;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Smtp;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Mailflow.Server.Transport.Categorize;

/// <summary>
/// The categorizer (Exchange's name): takes Submitted messages from the store and makes them ready to
/// deliver. Per message, against the live snapshot: mail flow rules (hit counters, tracking, Test mode
/// records only), their outcome (reject → NDR, delete, quarantine, redirect, added recipients, content
/// changes written back to the store), recipient resolution (aliases, groups, contacts; failures → NDR),
/// routing (each open recipient gets its next hop's queue key), then the message becomes Categorized
/// and the queue manager is woken.
/// <para>Implementation summary: messages are claimed with leases like deliveries, so several nodes
/// share the work and a crashed categorizer's messages are taken over after the lease expires; only
/// recipients that are not final yet are (re)routed, because rerouted and released messages come back
/// here with some recipients already delivered. Any unexpected failure leaves the message Submitted
/// for the next pass — never a bounce on a bug.</para>
/// </summary>
public sealed partial class Categorizer(
    QueueStore store,
    BookkeepingCommitter bookkeeping,
    TransportConfigProvider config,
    RecipientResolver resolver,
    TransportRuleEvaluator rules,
    NextHopResolver router,
    DeliveryNotifier notifier,
    RuleMessageSender ruleMessages,
    ModerationHold moderation,
    Journaling.Journaler journaler,
    MessageTracker tracker,
    QueueSignals queueSignals,
    SubmissionSignal submissions,
    StoreWriteRetry retry,
    Mailflow.Cluster.INodeDrainState drain,
    Agents.TransportAgentPipeline agents,
    IOptions<MailflowOptions> options,
    TimeProvider time,
    ILogger<Categorizer> logger) : BackgroundService
{
    private static readonly TimeSpan LeaseDuration = TimeSpan.FromMinutes(5);
    /// <summary>The safety net for messages nobody signalled (DSNs, re-routing after a configuration change, other nodes).</summary>
    private static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private const int BatchSize = 32;
    private const int Parallelism = 8;

    /// <summary>Node name first (see <see cref="OwnLeaseRecovery"/>), then unique per process.</summary>
    private string OwnerName { get; } = $"{OwnLeaseRecovery.OwnerPrefix(options.Value)}categorizer/{Environment.ProcessId}";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                if (!drain.IsActive)
                {
                    // Draining: no new work; another node categorizes what arrives.
                    await submissions.WaitAsync(PollInterval, time, stoppingToken);
                    continue;
                }
                Interlocked.Increment(ref _passes);
                IReadOnlyList<QueueClaim> claims;
                try
                {
                    claims = await ClaimAndCategorizeAsync(stoppingToken);
                }
                finally
                {
                    Interlocked.Decrement(ref _passes);
                }
                if (claims.Count > 0)
                    queueSignals.Signal(QueueEvent.MessageReady);
                if (claims.Count == BatchSize)
                    continue;
                await submissions.WaitAsync(PollInterval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.PassFailed(logger, ex);
                await Task.Delay(PollInterval, time, stoppingToken).ContinueWith(_ => { }, TaskScheduler.Default);
            }
        }
    }

    private int _passes;

    /// <summary>Whether a categorizing pass (claim and categorize) is running: a draining node waits for it to end.</summary>
    public bool IsBusy => Volatile.Read(ref _passes) > 0;

    /// <summary>One pass: claims a batch of Submitted messages and categorizes them.</summary>
    private async Task<IReadOnlyList<QueueClaim>> ClaimAndCategorizeAsync(CancellationToken stoppingToken)
    {
        var claims = await store.ClaimAsync(OwnerName, BatchSize, LeaseDuration, QueuedMessageState.Submitted, stoppingToken,
            poisoned: m => tracker.Track(MessageTrackingEventKind.Poison, m,
                detail: $"Moved to the Poison queue: categorizing it failed {m.CrashCount} times. It stays there until an administrator resumes or removes it."));
        // Messages are independent (own contexts, own leases): overlap one's parsing and reads with
        // another's writes. SQLite writes still take turns at the gate.
        await Parallel.ForEachAsync(claims, new ParallelOptions { MaxDegreeOfParallelism = Parallelism, CancellationToken = stoppingToken },
            async (claim, ct) => await CategorizeSafelyAsync(claim, ct));
        return claims;
    }

    private async Task CategorizeSafelyAsync(QueueClaim claim, CancellationToken cancellationToken)
    {
        using var scope = LogScopes.Message(logger, claim.Message);
        using var activity = MailflowTracing.StartForStoredMessage(MailflowTracing.Spans.Categorize, claim.Message);
        try
        {
            await CategorizeAsync(claim, config.Current, cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException && StoreFailure.Is(ex))
        {
            // The store is away (connection lost, disk full): release the claim as soon as it accepts
            // writes again, so the message is categorized again at once rather than when its lease ends.
            retry.Enqueue($"the release of message {claim.Message.QueueId} after a failed categorization",
                ct => store.ReleaseAsync(claim.Lease, cancellationToken: ct), submissions.Ring, ex);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // Leave it Submitted (the lease runs out and the next pass retries, counting a crash) rather than guess.
            Log.MessageFailed(logger, claim.Message.QueueId, ex);
        }
    }

    /// <summary>Categorizes one claimed message. Internal for tests.</summary>
    internal async Task CategorizeAsync(QueueClaim claim, TransportConfig snapshot, CancellationToken cancellationToken)
    {
        var message = claim.Message;
        var lease = claim.Lease;
        var open = message.Recipients.Where(r => !r.Status.IsFinal()).ToList();
        if (open.Count == 0)
        {
            await store.ReleaseAsync(lease, QueuedMessageState.Categorized, cancellationToken);
            return;
        }

        // 1. Mail flow rules. DSNs we generated are not subject to rules (they would reach the sender's rules twice).
        // Only rules look at the content: without any, the message is routed from its envelope alone and
        // its content is read once, by the delivery.
        var isOwnDsn = message.Origin == MessageOrigin.Notification;
        var tags = new Agents.AgentTags(MessageTags.Parse(message.AgentTags));
        MimeMessage? mime = null;
        RuleMessageContext? ruleContext = null;
        // The anti-spam agent's subject marker (it cannot change the content before the 250; this is the first place that can).
        var spamSubjectPrefix = isOwnDsn ? null : tags.Get(Agents.AgentTagNames.SpamSubjectPrefix);
        if (!isOwnDsn && (!snapshot.TransportRules.IsEmpty || spamSubjectPrefix is not null || !snapshot.JournalRules.IsEmpty))
        {
            await using (var content = await store.LoadContentAsync(message.Id, cancellationToken)
                ?? throw new InvalidOperationException($"message {message.QueueId} has no content"))
                mime = await MimeMessage.LoadAsync(content, cancellationToken);
        }
        if (mime is not null && !snapshot.TransportRules.IsEmpty)
        {
            ruleContext = new RuleMessageContext(mime)
            {
                EnvelopeSender = message.Sender,
                Recipients = [.. open.Select(r => r.Address)],
                SizeBytes = message.Size,
                ClientAddress = IPAddress.TryParse(message.ClientAddress, out var client) ? client : null,
                Authenticated = message.AuthenticatedAs is not null,
                Scl = tags.GetNumber(Agents.AgentTagNames.SpamConfidenceLevel) is { } scl ? (int)scl : null,
                Tags = tags,
            };
        }
        var plan = CategorizationPlan.Make(snapshot, ruleContext,
            open.Select(r => new EnvelopeRecipient(r.Address, r.Notify, r.OriginalRecipient)), rules, resolver, router);
        var decision = plan.Decision;
        if (plan.Rules is { } evaluation)
            await RecordRuleHitsAsync(message, evaluation, cancellationToken);

        if (decision.Reject is { } reject)
        {
            // The rule was added after this message's 250 (rules that reject run at end of DATA): bounce it.
            await FailAsync(lease, message, open, new DeliveryResponse($"{reject.EnhancedStatusCode} {reject.Text}", reject.SmtpCode), notify: true, cancellationToken);
            return;
        }
        if (decision.DeleteSilently)
        {
            await FailAsync(lease, message, open, new DeliveryResponse("Deleted by a mail flow rule", 250), notify: false, cancellationToken);
            return;
        }
        if (decision.GeneratesMessages && mime is not null)
            await ruleMessages.SendAsync(message, mime, decision, [.. open.Select(r => r.Address)], cancellationToken);
        if (decision.ReplacedByNotice is { } notice)
        {
            await FailAsync(lease, message, open, new DeliveryResponse($"Replaced by the notice of mail flow rule '{notice.RuleName}'", 250), notify: false, cancellationToken);
            return;
        }
        var spamSubjectMarked = false;
        if (decision.ChangesContent || spamSubjectPrefix is not null)
        {
            var edited = decision.ChangesContent ? MessageContentEditor.Apply(mime!, decision) : new ContentEditResult(mime!, [], null);
            if (edited.Rejection is { } editRejection)
            {
                await FailAsync(lease, message, open, new DeliveryResponse($"{editRejection.EnhancedStatusCode} {editRejection.Text}", editRejection.SmtpCode), notify: true, cancellationToken);
                return;
            }
            spamSubjectMarked = spamSubjectPrefix is not null && SubjectPrefix.TryPrepend(edited.Message, spamSubjectPrefix);
            mime = edited.Message; // what is delivered is what a journal report records
            if (decision.ChangesContent || spamSubjectMarked)
            {
                if (!await ReplaceContentAsync(lease, message, edited.Message, cancellationToken))
                    return;
                if (decision.ChangesContent)
                    tracker.Track(MessageTrackingEventKind.Agent, message, detail: "Content changed by mail flow rules: " + string.Join("; ", edited.Applied));
                if (spamSubjectMarked)
                    tracker.Track(MessageTrackingEventKind.Agent, message, detail: $"Anti-spam put “{spamSubjectPrefix!.TrimEnd()}” in front of the subject");
            }
        }

        if (decision.RequireTlsExtensionRule is { } requireTlsRule && !message.RequireTls)
            await MarkRequireTlsAsync(message, requireTlsRule, cancellationToken);

        // 2. Recipients: rules' redirect/added recipients, then aliases, groups, contacts.
        var resolution = plan.Resolution!;
        if (!isOwnDsn && resolution.Recipients.Any(r => r.Path.Any(s => s.Kind == ResolutionStepKind.Rewrite)))
        {
            // Address rewriting's way back reached the envelope: the To and Cc fields follow it.
            if (mime is null)
            {
                await using var content = await store.LoadContentAsync(message.Id, cancellationToken)
                    ?? throw new InvalidOperationException($"message {message.QueueId} has no content");
                mime = await MimeMessage.LoadAsync(content, cancellationToken);
            }
            var rewritten = Mailflow.Server.Transport.AddressRewriting.HeaderAddressRewriter.Rewrite(mime, snapshot.AddressRewriting.Inbound, Mailflow.Server.Transport.AddressRewriting.HeaderAddressRewriter.InboundFields);
            if (rewritten.Count > 0)
            {
                if (!await ReplaceContentAsync(lease, message, mime, cancellationToken))
                    return;
                tracker.Track(MessageTrackingEventKind.Agent, message, detail: "Address rewriting (inbound): " + string.Join("; ", rewritten));
            }
        }
        TrackResolution(message, resolution);
        if (ArcSealMarker.ReasonFor(decision, resolution, spamSubjectMarked) is { } sealReason)
            await MarkForArcSealAsync(message, tags, sealReason, cancellationToken);
        var postStore = new PostStoreAgentRun(agents, snapshot, message, tags, store, tracker);
        var quarantineReason = tags.Get(Agents.AgentTagNames.QuarantineReason);
        if (await postStore.RunAsync(Agents.AgentEvents.Categorized, [.. resolution.Recipients.Select(r => new Agents.StoredRecipient(r.Address, null))], cancellationToken) is { } afterCategorizing)
        {
            if (afterCategorizing.Kind != Agents.AgentVerdictKind.Quarantine)
            {
                await FailAsync(lease, message, open, PostStoreAgentRun.ResponseFor(afterCategorizing), notify: afterCategorizing.Kind == Agents.AgentVerdictKind.Reject, cancellationToken);
                return;
            }
            quarantineReason = afterCategorizing.Detail;
        }

        // 3. Routes.
        var routed = plan.Routes;
        using var routeActivity = MailflowTracing.Source.StartActivity(MailflowTracing.Spans.Route);
        routeActivity?.SetTag(MailflowTracing.Attributes.QueueId, message.QueueId).SetTag(MailflowTracing.Attributes.Recipients, routed.Length)
            .SetTag(MailflowTracing.Attributes.NextHop, string.Join(", ", routed.Select(r => NextHopDisplay.Describe(r.NextHop.QueueKey, snapshot).Name).Distinct()));
        if (await postStore.RunAsync(Agents.AgentEvents.Routed, [.. routed.Select(r => new Agents.StoredRecipient(r.Recipient.Address, r.NextHop.QueueKey))], cancellationToken) is { } afterRouting)
        {
            if (afterRouting.Kind != Agents.AgentVerdictKind.Quarantine)
            {
                await FailAsync(lease, message, open, PostStoreAgentRun.ResponseFor(afterRouting), notify: afterRouting.Kind == Agents.AgentVerdictKind.Reject, cancellationToken);
                return;
            }
            quarantineReason = afterRouting.Detail;
        }
        // Remote domains: an automatic reply, forward or report to a domain whose entry refuses that kind is dropped for that recipient (no NDR, a trace line).
        var blocked = await RemoteDomainBlocksAsync(message, mime, snapshot, routed, cancellationToken);
        var now = time.GetUtcNow();
        var replacement = new List<QueuedRecipient>();
        foreach (var block in blocked)
        {
            replacement.Add(new QueuedRecipient
            {
                MessageId = message.Id,
                Address = block.Recipient.Recipient.Address,
                OriginalRecipient = OriginalOf(block.Recipient.Recipient),
                Notify = block.Recipient.Recipient.Original.Notify,
                Status = QueuedRecipientStatus.PermanentFailure,
                LastAttemptAt = now,
                LastReplyCode = 550,
                LastResponse = "5.7.1 " + block.Reason,
                // Dropped on purpose: no non-delivery report is due.
                FinalNotifiedAt = now,
            });
            tracker.Track(MessageTrackingEventKind.Fail, message, [block.Recipient.Recipient.Address], detail: block.Reason, reply: "5.7.1 " + block.Reason, replyCode: 550);
        }
        if (blocked.Count > 0)
            routed = [.. routed.Where(r => !blocked.Any(b => ReferenceEquals(b.Recipient, r)))];
        foreach (var r in routed)
        {
            replacement.Add(new QueuedRecipient
            {
                MessageId = message.Id,
                Address = r.Recipient.Address,
                OriginalRecipient = OriginalOf(r.Recipient),
                Notify = r.Recipient.Original.Notify,
                Status = QueuedRecipientStatus.Scheduled,
                NextRetryAt = now,
                NextHopKey = r.NextHop.QueueKey,
                LastResponse = r.NextHop.UnreachableReason,
            });
            tracker.Track(MessageTrackingEventKind.Route, message, [r.Recipient.Address], nextHop: r.NextHop.QueueKey,
                connector: r.NextHop.Connector?.Name, detail: r.NextHop.Explanation);
        }
        foreach (var failed in resolution.Failed)
        {
            replacement.Add(new QueuedRecipient
            {
                MessageId = message.Id,
                Address = failed.Address,
                OriginalRecipient = OriginalOf(failed),
                Notify = failed.Original.Notify,
                Status = QueuedRecipientStatus.PermanentFailure,
                LastAttemptAt = now,
                LastReplyCode = failed.Failure?.SmtpCode ?? 550,
                LastResponse = $"{failed.Failure?.EnhancedStatusCode ?? "5.1.1"} {failed.Failure?.Reason ?? "Recipient could not be resolved"}",
            });
            tracker.Track(MessageTrackingEventKind.Fail, message, [failed.Address], detail: failed.Failure?.Reason);
        }

        // The common case is one write, batched with other messages' writes: the routed rows and the
        // release together. Unresolvable recipients need their NDR between the two.
        var quarantined = decision.Quarantine || quarantineReason is not null || decision.Moderation is not null;
        var releaseAs = quarantined ? QueuedMessageState.Quarantined : QueuedMessageState.Categorized;
        var notify = resolution.Failed.Any();
        if (!await store.ReplaceOpenRecipientsAsync(lease, [.. open.Select(r => r.Id)], replacement, notify ? null : releaseAs, cancellationToken))
            return;
        // Journaling: after the rules and resolution, so reports list the final recipients; generated messages (DSNs, notices, journal reports) never.
        if (mime is not null && Journaling.JournalReports.Select(snapshot, message.Sender, resolution) is { IsEmpty: false } journal)
            await journaler.JournalAsync(message, mime, resolution, journal, cancellationToken);
        if (decision.Quarantine)
            tracker.Track(MessageTrackingEventKind.Quarantine, message, detail: $"Held by mail flow rule '{decision.QuarantineRule}'");
        else if (decision.Moderation is { } moderationRequest)
            await moderation.HoldAsync(message, tags, mime!, moderationRequest, snapshot.Organization.ModerationReplyAddress, cancellationToken);
        else if (quarantineReason is not null)
            tracker.Track(MessageTrackingEventKind.Quarantine, message, detail: $"Held by a transport agent: {quarantineReason}");
        if (!notify)
            return;
        await notifier.NotifyAsync(lease, message.QueueId, new Dictionary<long, Deliver.RecipientOutcome>(), new RetrySchedule(snapshot.Organization), cancellationToken);
        await store.ReleaseAsync(lease, releaseAs, cancellationToken);
    }

    /// <summary>The recipients remote domains refuse this message to; the content is read only when some recipient's domain refuses some kind.</summary>
    private async Task<IReadOnlyList<RemoteDomains.RemoteDomainBlock>> RemoteDomainBlocksAsync(
        QueuedMessage message, MimeMessage? mime, TransportConfig snapshot, IReadOnlyList<RoutedRecipient> routed, CancellationToken cancellationToken)
    {
        if (!RemoteDomains.RemoteDomainGate.NeedsContent(snapshot, routed))
            return [];
        if (mime is null)
        {
            await using var content = await store.LoadContentAsync(message.Id, cancellationToken)
                ?? throw new InvalidOperationException($"message {message.QueueId} has no content");
            mime = await MimeMessage.LoadAsync(content, cancellationToken);
        }
        return RemoteDomains.RemoteDomainGate.Blocked(snapshot, RemoteDomains.OutboundMessageClass.Of(mime), routed);
    }

    /// <summary>The ORCPT to report in DSNs: the client's ORCPT, else the envelope address this recipient came from when it differs.</summary>
    private static string? OriginalOf(ResolvedRecipient recipient) =>
        recipient.Original.OriginalRecipient
        ?? (string.Equals(recipient.Original.Address, recipient.Address, StringComparison.OrdinalIgnoreCase) ? null : "rfc822;" + recipient.Original.Address);

    private void TrackResolution(QueuedMessage message, RecipientResolution resolution)
    {
        foreach (var recipient in resolution.Recipients)
        {
            foreach (var step in recipient.Path)
            {
                var kind = step.Kind switch
                {
                    ResolutionStepKind.Expand => MessageTrackingEventKind.Expand,
                    ResolutionStepKind.Redirect or ResolutionStepKind.Rewrite => MessageTrackingEventKind.Redirect,
                    _ => MessageTrackingEventKind.Resolve,
                };
                tracker.Track(kind, message, [step.To], detail: step.Description);
            }
        }
    }

    private async Task RecordRuleHitsAsync(QueuedMessage message, TransportRuleEvaluation evaluation, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        foreach (var rule in evaluation.MatchedRules)
        {
            CategorizeMetrics.RuleHit(rule.RuleName, rule.Mode);
            var mode = rule.Mode == RuleMode.Test ? "Test mode: would " : "";
            tracker.Track(MessageTrackingEventKind.Agent, message,
                detail: $"Mail flow rule '{rule.RuleName}' matched ({rule.Mode}). {mode}{string.Join("; ", rule.Actions)}");
            // Hit counters are statistics, not configuration: no generation, no audit.
            await bookkeeping.WriteAsync((db, ct) => rule.Mode == RuleMode.Test
                ? db.TransportRules.Where(r => r.Id == rule.RuleId)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.TestHits, r => r.TestHits + 1).SetProperty(r => r.LastHitAt, now), ct)
                : db.TransportRules.Where(r => r.Id == rule.RuleId)
                    .ExecuteUpdateAsync(s => s.SetProperty(r => r.EnforceHits, r => r.EnforceHits + 1).SetProperty(r => r.LastHitAt, now), ct),
                cancellationToken);
        }
    }

    private async Task FailAsync(QueueLease lease, QueuedMessage message, IReadOnlyList<QueuedRecipient> open, DeliveryResponse response, bool notify, CancellationToken cancellationToken)
    {
        foreach (var recipient in open)
            await store.RecordPermanentFailureAsync(lease, recipient.Id, response, cancellationToken);
        tracker.Track(notify ? MessageTrackingEventKind.Fail : MessageTrackingEventKind.Agent, message, open.Select(r => r.Address), reply: response.Text, replyCode: response.Code);
        if (notify)
            await notifier.NotifyAsync(lease, message.QueueId, new Dictionary<long, Deliver.RecipientOutcome>(), new RetrySchedule(config.Current.Organization), cancellationToken);
        else
            await store.MarkNotifiedAsync(lease, [.. open.Select(r => r.Id)], delay: false, cancellationToken);
        await store.ReleaseAsync(lease, QueuedMessageState.Categorized, cancellationToken);
    }

    /// <summary>Writes the rule-edited message back: content, size, hash and header summary together (false when the lease was lost).</summary>
    private async Task<bool> ReplaceContentAsync(QueueLease lease, QueuedMessage message, MimeMessage edited, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        // SMTP content is CRLF (RFC 5321 §2.3.8) whatever the platform's default.
        var format = FormatOptions.Default.Clone();
        format.NewLineFormat = NewLineFormat.Dos;
        await edited.WriteToAsync(format, buffer, cancellationToken);
        var bytes = buffer.ToArray();
        if (!await store.ReplaceContentAsync(lease, bytes, Convert.ToHexStringLower(SHA256.HashData(bytes)),
                Truncate(edited.Subject, QueueModel.HeaderSummaryLength), cancellationToken))
            return false;
        message.Size = bytes.LongLength;
        message.Subject = edited.Subject;
        return true;
    }

    /// <summary>Stores the reason with the message's tags, where the delivery's ARC sealer finds it.</summary>
    /// <summary>A rule's <c>SetRequireTls</c>: the message travels on as if its MAIL FROM had carried REQUIRETLS (RFC 8689).</summary>
    private async Task MarkRequireTlsAsync(QueuedMessage message, string ruleName, CancellationToken cancellationToken)
    {
        await bookkeeping.WriteAsync((db, ct) => db.QueuedMessages.Where(m => m.Id == message.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.RequireTls, true), ct), cancellationToken);
        message.RequireTls = true;
        tracker.Track(MessageTrackingEventKind.Agent, message, detail: $"Marked REQUIRETLS by mail flow rule '{ruleName}': {Deliver.Tls.MessageTlsRequests.Describe(Deliver.Tls.MessageTlsRequest.RequireTls)}");
    }

    private async Task MarkForArcSealAsync(QueuedMessage message, Agents.AgentTags tags, string reason, CancellationToken cancellationToken)
    {
        tags.Set(Authentication.AuthenticationTagNames.ArcSealReason, reason);
        var json = MessageTags.Serialize(tags);
        await bookkeeping.WriteAsync((db, ct) => db.QueuedMessages.Where(m => m.Id == message.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.AgentTags, json), ct), cancellationToken);
        message.AgentTags = json;
    }

    private static string? Truncate(string? text, int length) => text is null || text.Length <= length ? text : text[..length];

    private static partial class Log
    {
        [LoggerMessage(2000, LogLevel.Error, "Categorizing message {QueueId} failed; it stays submitted and is retried")]
        public static partial void MessageFailed(ILogger logger, string queueId, Exception exception);

        [LoggerMessage(2001, LogLevel.Error, "A categorizer pass failed")]
        public static partial void PassFailed(ILogger logger, Exception exception);
    }
}
