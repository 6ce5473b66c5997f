using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Agents.AntiSpam;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// The quarantine read model and its actions (<see cref="IQuarantine"/>): the held messages with why
/// (the last Quarantine trace event), score and symbols (the anti-spam tags); release and delete through
/// <see cref="IQueueOperations"/> (audited there); "release and allow the sender" adds the envelope
/// sender to the allowed senders (a protection settings change, audited); learning through Rspamd's controller.
/// </summary>
public sealed class QuarantineService(
    IDbContextFactory<MailflowDbContext> dbFactory,
    IQueueOperations queue,
    QueueStore store,
    TransportConfigProvider config,
    ProtectionSettingsService protection,
    RspamdClient rspamd) : IQuarantine
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
