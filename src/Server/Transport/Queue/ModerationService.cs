using System.Globalization;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Mailflow.Queue;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Notify;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// Rejection and expiry of messages a mail flow rule held for a moderator's approval
/// (<see cref="Categorize.ModerationHold"/> holds them, with the tags <see cref="MessageTagNames.ModerationRule"/>,
/// <see cref="MessageTagNames.ModerationModerators"/> and <see cref="MessageTagNames.ModerationExpiresAt"/>).
/// Approval is the quarantine's release. A rejection, or no decision before the expiry, sends the sender
/// an NDR with 5.7.1 and removes the message through the queue's remove (audited, traced).
/// </summary>
public sealed class ModerationService(
    QueueStore store,
    IQueueOperations queue,
    DeliveryNotifier notifier,
    MessageTracker tracker,
    IDbContextFactory<MailflowDbContext> dbFactory) : IModeration
{
    public const string DefaultRejection = "Your message was not approved by the moderator";
    public const string ExpiredRejection = "Your message was not approved in time: the moderator did not decide before the request expired";
    public static readonly AdminActor ExpiryActor = new("moderation expiry", new HashSet<string> { AdminRoles.OrganizationManagement });

    public async Task<bool> RejectAsync(AdminActor actor, string queueId, string? reason, CancellationToken cancellationToken = default)
    {
        if (!actor.CanManageOrganization)
            throw new ConfigurationForbiddenException($"{actor.Name} may not reject held messages (needs the Organization Management role).");
        var message = await store.FindAsync(queueId, cancellationToken);
        if (message is null || message.State != QueuedMessageState.Quarantined)
            return false;
        var open = message.Recipients.Where(r => !r.Status.IsFinal()).ToList();
        var reply = new DeliveryReply(550, "5.7.1", string.IsNullOrWhiteSpace(reason) ? DefaultRejection : reason.Trim());
        tracker.Track(MessageTrackingEventKind.Fail, message, open.Select(r => r.Address), reply: $"{reply.EnhancedCode} {reply.Text}", replyCode: reply.Code,
            detail: actor == ExpiryActor ? "Moderation request expired" : $"Rejected by moderator {actor.Name}");
        await notifier.SendRemovalNdrAsync(message, open, reply, cancellationToken);
        await queue.ApplyAsync(actor, QueueAction.RemoveSilently, [queueId], cancellationToken);
        return true;
    }

    /// <summary>The message held for moderation whose approval request carried <paramref name="token"/>, with its tags; null when none is held (decided, expired, or no such token).</summary>
    public async Task<(string QueueId, IReadOnlyDictionary<string, string> Tags)?> FindHeldByReplyTokenAsync(string token, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var candidates = await db.QueuedMessages.AsNoTracking()
            .Where(m => m.State == QueuedMessageState.Quarantined && m.AgentTags != null && m.AgentTags.Contains(token))
            .Select(m => new { m.QueueId, m.AgentTags }).Take(5).ToListAsync(cancellationToken);
        foreach (var candidate in candidates)
        {
            var tags = MessageTags.Parse(candidate.AgentTags);
            if (tags.TryGetValue(MessageTagNames.ModerationReplyToken, out var held) && held == token)
                return (candidate.QueueId, tags);
        }
        return null;
    }

    /// <summary>Rejects every held message whose moderation expired before <paramref name="now"/>; returns how many.</summary>
    public async Task<int> ExpireAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        List<(string QueueId, string? Tags)> held;
        await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
            held = [.. (await db.QueuedMessages.AsNoTracking()
                .Where(m => m.State == QueuedMessageState.Quarantined && m.AgentTags != null && m.AgentTags.Contains(MessageTagNames.ModerationExpiresAt))
                .Select(m => new { m.QueueId, m.AgentTags }).ToListAsync(cancellationToken)).Select(m => (m.QueueId, m.AgentTags))];
        var expired = 0;
        foreach (var (queueId, json) in held)
        {
            var tags = MessageTags.Parse(json);
            if (tags.TryGetValue(MessageTagNames.ModerationExpiresAt, out var text)
                && DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out var expiresAt) && expiresAt <= now
                && await RejectAsync(ExpiryActor, queueId, ExpiredRejection, cancellationToken))
                expired++;
        }
        return expired;
    }
}
