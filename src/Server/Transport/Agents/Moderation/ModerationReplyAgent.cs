using Mailflow.Configuration;
using Mailflow.Identity;
using Mailflow.Queue;
using Mailflow.Server.Transport.Queue;

namespace Mailflow.Server.Transport.Agents.Moderation;

/// <summary>
/// Approval by reply (Exchange's moderation voting buttons): after categorizing, a message to the
/// organization's moderation reply address that names a held message's token (<see cref="ModerationReplyMarkers"/>)
/// and says Approve or Reject (<see cref="ModerationReply"/>) releases the held message or rejects it with
/// NDR 5.7.1, as the quarantine's Release and Reject do, audited as "moderator … (by reply)". Only a moderator
/// of that message decides, proven by authenticated submission or DMARC; a forged reply is noted in the trace
/// and decides nothing. The reply itself is delivered to the reply address's mailbox as usual (the record of decisions).
/// </summary>
public sealed class ModerationReplyAgent(ModerationService moderation, IQuarantine quarantine, ILogger<ModerationReplyAgent> logger) : ITransportAgent
{
    /// <summary>Replies larger than this are not read (a reply with the original quoted is well below it).</summary>
    public const long MaxReplyBytes = 10L * 1024 * 1024;

    public string Name => "ModerationReply";
    public string DisplayName => "Moderation by reply";
    public string Description => "Approves or rejects messages held for a moderator when the moderator replies to the approval request with Approve or Reject.";
    public AgentEvents Events => AgentEvents.Categorized;
    public int DefaultPriority => 360;
    public TimeSpan DefaultTimeout => TimeSpan.FromSeconds(30);
    public AgentFailurePolicy DefaultFailurePolicy => AgentFailurePolicy.FailOpen;

    public async ValueTask<AgentVerdict> OnCategorizedAsync(StoredMessageContext message, CancellationToken cancellationToken)
    {
        var replyAddress = message.Snapshot.Organization.ModerationReplyAddress;
        if (message.IsWhatIf || replyAddress.Length == 0 || message.Sender.Length == 0 || message.Content.Size > MaxReplyBytes
            || !message.Recipients.Any(r => IsReplyAddress(message.Snapshot, r.Address, replyAddress)))
            return AgentVerdict.Continue;
        var reply = await message.Content.GetMessageAsync(cancellationToken);
        if (ModerationReplyMarkers.FindToken(reply) is not { } token)
            return AgentVerdict.ContinueWith("Moderation reply address: the message names no approval request; nothing decided");
        if (ModerationReply.ReadDecision(reply) is not { } decision)
            return AgentVerdict.ContinueWith("Moderation reply: neither Approve nor Reject is the first word of the reply; nothing decided");
        if (await moderation.FindHeldByReplyTokenAsync(token, cancellationToken) is not { } held)
            return AgentVerdict.ContinueWith("Moderation reply: no message is held for that approval request any more (decided or expired)");
        var moderators = (held.Tags.GetValueOrDefault(MessageTagNames.ModerationModerators) ?? "").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        var from = reply.From.Mailboxes.FirstOrDefault()?.Address;
        var (moderator, refusal) = ModerationReply.Authenticate(message.Snapshot, moderators, message.AuthenticatedAs, from, message.Tags);
        if (moderator is null)
        {
            logger.LogWarning("Moderation reply {QueueId} for held message {HeldQueueId} ignored: {Reason}", message.QueueId, held.QueueId, refusal);
            return AgentVerdict.ContinueWith($"Moderation reply for {held.QueueId} ignored: {refusal}");
        }
        var actor = new AdminActor($"moderator {moderator} (by reply)", new HashSet<string> { AdminRoles.OrganizationManagement });
        var done = decision.Verdict == ModerationVerdict.Approve
            ? await quarantine.ReleaseAsync(actor, held.QueueId, allowSender: false, cancellationToken)
            : await moderation.RejectAsync(actor, held.QueueId, decision.Reason, cancellationToken);
        return AgentVerdict.ContinueWith(done
            ? $"Moderation reply: {moderator} {(decision.Verdict == ModerationVerdict.Approve ? "approved" : "rejected")} held message {held.QueueId}"
            : $"Moderation reply: held message {held.QueueId} was decided meanwhile; nothing changed");
    }

    private static bool IsReplyAddress(TransportConfig snapshot, string address, string replyAddress) =>
        string.Equals(address, replyAddress, StringComparison.OrdinalIgnoreCase)
        || (snapshot.FindRecipient(replyAddress) is { } mailbox && snapshot.FindRecipient(address)?.Id == mailbox.Id);
}
