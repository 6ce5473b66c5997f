using Mailflow.Configuration;

namespace Mailflow.Queue;

/// <summary>Who put a message in quarantine.</summary>
public enum QuarantineSource
{
    Rule,
    AntiSpam,
    AntiMalware,
    /// <summary>Another transport agent (e.g. DMARC's quarantine policy).</summary>
    Agent,
}

/// <summary>One message held in quarantine, as the quarantine page and API show it.</summary>
/// <param name="Reason">Why it is held: the rule's name or the agent's verdict.</param>
/// <param name="ExpiresAt">When the background cleanup deletes it (the retention from the protection settings).</param>
public sealed record QuarantinedMessage(
    string QueueId,
    long MessageId,
    long Size,
    DateTimeOffset QueuedAt,
    DateTimeOffset ExpiresAt,
    string Sender,
    string? FromHeader,
    string? Subject,
    IReadOnlyList<string> Recipients,
    QuarantineSource Source,
    string Reason,
    double? SpamScore,
    int? SpamConfidenceLevel,
    IReadOnlyList<string> Symbols);

/// <summary>A release to some of a held message's recipients.</summary>
/// <param name="ReleasedQueueId">The new message the released recipients went on as (the held message keeps its queue id).</param>
public sealed record QuarantinePartialRelease(string QueueId, string ReleasedQueueId, IReadOnlyList<string> Released, IReadOnlyList<string> StillHeld);

/// <summary>What Rspamd's controller answered to "mark as spam / not spam".</summary>
public sealed record QuarantineLearnResult(bool Learned, int HttpStatus, string Answer);

/// <summary>
/// The quarantine (Exchange Online's quarantine page): messages held by a mail flow rule, anti-spam
/// or anti-malware. Every action needs Organization Management and is audited; release and delete go
/// through the queue's own operations.
/// </summary>
public interface IQuarantine
{
    Task<IReadOnlyList<QuarantinedMessage>> ListAsync(CancellationToken cancellationToken = default);

    Task<QuarantinedMessage?> GetAsync(string queueId, CancellationToken cancellationToken = default);

    /// <summary>Sends the message on; with <paramref name="allowSender"/> its envelope sender is also added to the allowed senders (anti-spam and sender filtering skip it).</summary>
    Task<bool> ReleaseAsync(AdminActor actor, string queueId, bool allowSender, CancellationToken cancellationToken = default);

    /// <summary>
    /// Sends the message on to some of its recipients only (e.g. the one who asked for it); the others stay in quarantine.
    /// The released recipients leave as a copy with a new queue id; audited with who released what to whom. Null when the
    /// message is not in quarantine; a validation error when a recipient is not one of the held message's.
    /// </summary>
    Task<QuarantinePartialRelease?> ReleaseToAsync(AdminActor actor, string queueId, IReadOnlyCollection<string> recipients, CancellationToken cancellationToken = default);

    /// <summary>Deletes the message without a non-delivery report.</summary>
    Task<bool> DeleteAsync(AdminActor actor, string queueId, CancellationToken cancellationToken = default);

    /// <summary>"Mark as spam / not spam": teaches Rspamd through its controller (<c>/learnspam</c>, <c>/learnham</c>).</summary>
    Task<QuarantineLearnResult> LearnAsync(AdminActor actor, string queueId, bool spam, CancellationToken cancellationToken = default);
}
