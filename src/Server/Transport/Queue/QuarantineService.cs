using System.Text.Json;
using Mailflow.Auditing;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Agents.AntiSpam;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// The quarantine read model and its actions (<see cref="IQuarantine"/>): the held messages with why
/// (the last Quarantine trace event), score and symbols (the anti-spam tags); release and delete through
/// <see cref="IQueueOperations"/> (audited there); "release and allow the sender" adds the envelope
/// sender to the allowed senders (a protection settings change, audited); a release to some recipients moves them to a
/// copy of the message (same envelope, content and tags, a new queue id) that is released, while the rest stay held;
/// learning through Rspamd's controller.
/// </summary>
public sealed class QuarantineService(
    IDbContextFactory<MailflowDbContext> dbFactory,
    IQueueOperations queue,
    QueueStore store,
    TransportConfigProvider config,
    ProtectionSettingsService protection,
    RspamdClient rspamd,
    BookkeepingCommitter bookkeeping,
    QueueIdGenerator queueIds,
    MessageTracker tracker,
    TimeProvider time) : IQuarantine
{
    public async Task<IReadOnlyList<QuarantinedMessage>> ListAsync(CancellationToken cancellationToken = default) =>
        await QueryAsync(m => true, cancellationToken);

    public async Task<QuarantinedMessage?> GetAsync(string queueId, CancellationToken cancellationToken = default) =>
        (await QueryAsync(m => m.QueueId == queueId, cancellationToken)).FirstOrDefault();

    public async Task<bool> ReleaseAsync(AdminActor actor, string queueId, bool allowSender, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        var held = await GetAsync(queueId, cancellationToken);
        if (held is null)
            return false;
        if (allowSender)
        {
            if (held.Sender.Length == 0)
                throw new ConfigurationValidationException(new Dictionary<string, string[]> { ["sender"] = ["The message has the null sender <> (a bounce): there is no sender to allow."] });
            var settings = await protection.GetAsync(cancellationToken);
            var sender = held.Sender.ToLowerInvariant();
            if (!settings.SenderFilter.AllowedSenders.Contains(sender, StringComparer.OrdinalIgnoreCase))
            {
                settings.SenderFilter.AllowedSenders.Add(sender);
                await protection.UpdateAsync(actor, settings, cancellationToken);
            }
        }
        return await queue.ApplyAsync(actor, QueueAction.Release, [queueId], cancellationToken) > 0;
    }

    public async Task<QuarantinePartialRelease?> ReleaseToAsync(AdminActor actor, string queueId, IReadOnlyCollection<string> recipients, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        var held = await GetAsync(queueId, cancellationToken);
        if (held is null)
            return null;
        var chosen = recipients.Select(r => r.Trim()).Where(r => r.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase).ToList();
        var unknown = chosen.Where(r => !held.Recipients.Contains(r, StringComparer.OrdinalIgnoreCase)).ToList();
        if (chosen.Count == 0 || unknown.Count > 0)
            throw new ConfigurationValidationException(new Dictionary<string, string[]>
            {
                ["recipients"] = [chosen.Count == 0
                    ? "Choose at least one recipient to release the message to."
                    : $"{string.Join(", ", unknown)} {(unknown.Count == 1 ? "is not a recipient" : "are not recipients")} of this held message (held for: {string.Join(", ", held.Recipients)})."],
            });
        var released = held.Recipients.Where(r => chosen.Contains(r, StringComparer.OrdinalIgnoreCase)).ToList();
        var stillHeld = held.Recipients.Except(released, StringComparer.OrdinalIgnoreCase).ToList();
        if (stillHeld.Count == 0)
            return await ReleaseAsync(actor, queueId, allowSender: false, cancellationToken) ? new QuarantinePartialRelease(queueId, queueId, released, []) : null;

        var copyId = queueIds.Next();
        var moved = await bookkeeping.WriteAsync(async (db, ct) =>
        {
            var original = await db.QueuedMessages.SingleOrDefaultAsync(m => m.QueueId == queueId && m.State == QueuedMessageState.Quarantined, ct);
            if (original is null)
                return false;
            // Every stored column of the envelope (ToObject copies them all, whatever later columns are added), a new identity.
            var copy = (QueuedMessage)db.Entry(original).CurrentValues.ToObject();
            copy.Id = 0;
            copy.QueueId = copyId;
            copy.Recipients = [];
            copy.LeaseOwner = null;
            copy.LeaseToken = null;
            copy.LeaseUntil = null;
            db.QueuedMessages.Add(copy);
            await db.SaveChangesAsync(ct);
            // The released recipients move, with their ORCPT, NOTIFY and next hop, to the copy.
            await db.QueuedRecipients.Where(QueuedRecipientFilters.IsOpen).Where(r => r.MessageId == original.Id && released.Contains(r.Address))
                .ExecuteUpdateAsync(u => u.SetProperty(r => r.MessageId, copy.Id), ct);
            var content = await db.MessageContents.AsNoTracking().Where(c => c.MessageId == original.Id).Select(c => c.Data).SingleAsync(ct);
            db.MessageContents.Add(new MessageContent { MessageId = copy.Id, Data = content });
            db.AuditEntries.Add(new AuditEntry
            {
                At = time.GetUtcNow(), Actor = actor.Name, Action = AuditAction.Release, ObjectType = "QueuedMessage", ObjectId = queueId, ObjectName = queueId,
                After = JsonSerializer.Serialize(new { releasedTo = released, releasedAs = copyId, stillHeld }), Generation = 0,
            });
            await db.SaveChangesAsync(ct);
            return true;
        }, cancellationToken);
        if (!moved)
            return null;
        await tracker.TrackWaitingAsync(MessageTrackingEventKind.Release, Envelope(held, released, held.QueueId),
            $"released by {actor.Name} to {string.Join(", ", released)} as message {copyId}; {string.Join(", ", stillHeld)} stay in quarantine", cancellationToken);
        await tracker.TrackWaitingAsync(MessageTrackingEventKind.Submit, Envelope(held, released, copyId),
            $"copy of quarantined message {queueId} for the recipients {actor.Name} released it to", cancellationToken);
        await queue.ApplyAsync(actor, QueueAction.Release, [copyId], cancellationToken);
        return new QuarantinePartialRelease(queueId, copyId, released, stillHeld);
    }

    /// <summary>What the trace records of the held message: its envelope for some recipients.</summary>
    private static QueuedMessage Envelope(QuarantinedMessage held, IEnumerable<string> recipients, string queueId) => new()
    {
        Id = held.MessageId, QueueId = queueId, Sender = held.Sender, Subject = held.Subject, Size = held.Size,
        Recipients = [.. recipients.Select(a => new QueuedRecipient { Address = a })],
    };

    public async Task<bool> DeleteAsync(AdminActor actor, string queueId, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        return await GetAsync(queueId, cancellationToken) is not null
               && await queue.ApplyAsync(actor, QueueAction.RemoveSilently, [queueId], cancellationToken) > 0;
    }

    public async Task<QuarantineLearnResult> LearnAsync(AdminActor actor, string queueId, bool spam, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        var held = await GetAsync(queueId, cancellationToken) ?? throw new ConfigurationNotFoundException("That message is not in quarantine (any more).");
        if (config.Current.Protection.AntiSpam.ControllerUrl is not { Length: > 0 } controller)
            return new QuarantineLearnResult(false, 0, "No Rspamd controller is configured (Anti-spam › Controller address).");
        await using var content = await store.LoadContentAsync(held.MessageId, cancellationToken)
            ?? throw new ConfigurationNotFoundException("The message's content is no longer stored.");
        try
        {
            var (status, answer) = await rspamd.LearnAsync(new Uri(controller.TrimEnd('/') + "/"), spam, content, cancellationToken);
            return new QuarantineLearnResult(status is >= 200 and < 300, status, answer);
        }
        catch (HttpRequestException exception)
        {
            return new QuarantineLearnResult(false, 0, $"Rspamd's controller could not be reached: {exception.Message}");
        }
    }

    private async Task<IReadOnlyList<QuarantinedMessage>> QueryAsync(System.Linq.Expressions.Expression<Func<QueuedMessage, bool>> filter, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var messages = await db.QueuedMessages.AsNoTracking().Include(m => m.Recipients)
            .Where(m => m.State == QueuedMessageState.Quarantined).Where(filter)
            .OrderByDescending(m => m.Id).Take(1000).ToListAsync(cancellationToken);
        var ids = messages.Select(m => m.QueueId).ToList();
        var reasons = (await db.MessageTrackingEvents.AsNoTracking()
                .Where(e => e.Kind == MessageTrackingEventKind.Quarantine && e.QueueId != null && ids.Contains(e.QueueId))
                .Select(e => new { e.QueueId, e.Id, e.Detail }).ToListAsync(cancellationToken))
            .GroupBy(e => e.QueueId!).ToDictionary(g => g.Key, g => g.MaxBy(e => e.Id)!.Detail);
        var retention = TimeSpan.FromDays((config.Current.Protection.Quarantine ?? new QuarantineSettings()).RetentionDays);
        return [.. messages.Select(m => Describe(m, reasons.GetValueOrDefault(m.QueueId), retention))];
    }

    private static QuarantinedMessage Describe(QueuedMessage message, string? traced, TimeSpan retention)
    {
        var tags = MessageTags.Parse(message.AgentTags);
        var reason = traced ?? (tags.TryGetValue(AgentTagNames.QuarantineReason, out var tagged) ? tagged : "held in quarantine");
        var source = reason.StartsWith("Held by mail flow rule", StringComparison.Ordinal) ? QuarantineSource.Rule
            : tags.TryGetValue(AgentTagNames.MalwareResult, out var malware) && malware.StartsWith("infected", StringComparison.Ordinal) ? QuarantineSource.AntiMalware
            : tags.TryGetValue(AgentTagNames.QuarantineReason, out var agentReason) && agentReason.StartsWith("spam", StringComparison.Ordinal) ? QuarantineSource.AntiSpam
            : QuarantineSource.Agent;
        var score = tags.TryGetValue(AgentTagNames.SpamScore, out var s) && double.TryParse(s, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var parsed) ? parsed : (double?)null;
        int? scl = tags.TryGetValue(AgentTagNames.SpamConfidenceLevel, out var l) && int.TryParse(l, out var level) ? level : null;
        var symbols = tags.TryGetValue(AntiSpamAgent.SymbolsTag, out var list) && list.Length > 0 ? list.Split(',') : [];
        return new QuarantinedMessage(message.QueueId, message.Id, message.Size, message.QueuedAt, message.QueuedAt + retention, message.Sender, message.FromHeader, message.Subject,
            [.. message.Recipients.Where(r => !r.Status.IsFinal()).Select(r => r.Address)], source, reason, score, scl, symbols);
    }

    private static void Demand(AdminActor actor)
    {
        if (!actor.CanManageOrganization)
            throw new ConfigurationForbiddenException($"{actor.Name} may not act on quarantined messages (needs the Organization Management role).");
    }
}
