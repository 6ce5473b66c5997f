using System.Globalization;
using Mailflow.Queue;
using Mailflow.Server.Transport.Categorize.TransportRules;
using Mailflow.Server.Transport.Notify;
using Mailflow.Server.Transport.Queue;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Mailflow.Server.Transport.Categorize;

/// <summary>
/// "Forward the message for approval" (Exchange's ModerateMessageByUser): the categorizer holds the
/// message in quarantine; this records who moderates it and until when (message tags the quarantine,
/// <see cref="ModerationService"/> and the trace read), and sends the moderators an approval request
/// with the original attached and where to approve or reject it. Approve = release; reject or no
/// decision before the expiry = NDR 5.7.1 to the sender.
/// </summary>
public sealed class ModerationHold(GeneratedMessageSubmitter submitter, BookkeepingCommitter bookkeeping, MessageTracker tracker, IOptions<MailflowOptions> options, TimeProvider time)
{
    /// <summary>The reason the quarantine shows; starts like every rule's hold so the quarantine files it under "rule".</summary>
    public static string Reason(ModerationRequest request, DateTimeOffset expiresAt) =>
        $"Held by mail flow rule '{request.RuleName}' for approval by {string.Join(", ", request.Moderators)}; without a decision by {expiresAt:u} the sender gets an NDR";

    /// <param name="replyAddress">The organization's moderation reply address (approval by reply), or empty when it is off.</param>
    public async Task HoldAsync(QueuedMessage message, Agents.AgentTags tags, MimeMessage original, ModerationRequest request, string replyAddress, CancellationToken cancellationToken)
    {
        var expiresAt = time.GetUtcNow().AddDays(request.ExpiryDays);
        var replyToken = replyAddress.Length == 0 ? null : Agents.Moderation.ModerationReplyMarkers.NewToken();
        if (replyToken is not null)
            tags.Set(MessageTagNames.ModerationReplyToken, replyToken);
        tags.Set(MessageTagNames.ModerationRule, request.RuleName);
        tags.Set(MessageTagNames.ModerationModerators, string.Join(",", request.Moderators));
        tags.Set(MessageTagNames.ModerationExpiresAt, expiresAt.ToString("O", CultureInfo.InvariantCulture));
        var json = MessageTags.Serialize(tags);
        await bookkeeping.WriteAsync((db, ct) => db.QueuedMessages.Where(m => m.Id == message.Id)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.AgentTags, json), ct), cancellationToken);
        message.AgentTags = json;

        var approval = RuleNotices.ApprovalRequest(submitter.PostmasterAddress, request.Moderators, original, message, request, expiresAt, options.Value.AdminCenterUrl,
            replyToken is null ? null : replyAddress, replyToken);
        var id = await submitter.SubmitAsync(approval, "", request.Moderators, GeneratedMessageSubmitter.RuleConnectorName, GeneratedMessageSubmitter.RuleConnectorId, cancellationToken);
        tracker.Track(MessageTrackingEventKind.Quarantine, message, detail: Reason(request, expiresAt) + $" (approval request queued as {id})");
    }
}
