using Mailflow.Configuration;
using Mailflow.Server.Transport.Deliver.Local;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Agents.Quota;

/// <summary>
/// Mailbox quotas at RCPT: a recipient whose Maildir mailbox is at its quota (<see cref="MailboxQuota"/>)
/// gets <c>452 4.2.2 Mailbox full</c>, so the sending server keeps the message and retries (RFC 5321
/// §4.2.3, RFC 3463 X.2.2). The address is followed through aliases to the mailbox. Sizes come from
/// <see cref="MaildirUsage"/>'s cache, never a folder walk per RCPT. A message accepted before the
/// mailbox filled is deferred by the Maildir delivery with the same status.
/// </summary>
public sealed class MailboxQuotaAgent(MaildirUsage usage) : ITransportAgent
{
    /// <summary>Aliases followed to the mailbox, at most this deep (the categorizer's chains are loop-safe; this check only needs the common case).</summary>
    private const int MaxAliasDepth = 8;

    public string Name => "MailboxQuota";
    public string DisplayName => "Mailbox quota";
    public string Description => "Refuses a recipient whose Maildir mailbox is full with 452 4.2.2, so the sender retries later.";
    public AgentEvents Events => AgentEvents.RcptTo;
    public int DefaultPriority => 130;
    public bool CanBeDisabled => true;

    public ValueTask<AgentVerdict> OnRcptToAsync(AgentSession session, AgentMessage message, AgentRecipient recipient, CancellationToken cancellationToken)
    {
        var snapshot = session.Snapshot;
        var target = snapshot.FindRecipient(recipient.Address.Address);
        for (var depth = 0; target is { Kind: RecipientKind.Alias, ForwardToId: { } next } && depth < MaxAliasDepth; depth++)
            target = snapshot.FindRecipient(next);
        if (target is null || MailboxQuota.LimitOf(target, snapshot.Organization) is null || usage.Find(target) is not { IsFull: true } full)
            return new(AgentVerdict.Continue);
        return new(AgentVerdict.TempFail(SmtpReplies.MailboxFull, $"the mailbox of {target.PrimaryAddress} is over its quota: {full.Describe()}"));
    }
}
