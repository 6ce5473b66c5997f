using Mailflow.Queue;

namespace Mailflow.Server.Transport.Deliver;

/// <summary>
/// Some recipients of one message, all for one next hop: what an agent delivers in one go (one SMTP
/// transaction, one LMTP transaction, one Maildir write per recipient).
/// </summary>
/// <param name="OpenContent">Opens the stored message bytes (streamed from the store); null when the content row is gone.</param>
public sealed record DeliveryBatch(
    QueuedMessage Message,
    IReadOnlyList<QueuedRecipient> Recipients,
    DeliveryTarget Target,
    Func<CancellationToken, Task<Stream?>> OpenContent);

public enum RecipientOutcomeKind
{
    Delivered,
    /// <summary>Try again later (4xx, connection failure, local I/O trouble).</summary>
    Transient,
    /// <summary>Give up: an NDR follows (5xx, unknown mailbox, too large).</summary>
    Permanent,
}

/// <param name="ConnectionFailure">The whole next hop failed (no connection, connection lost, TLS): the retry schedule treats it as a connection failure.</param>
public sealed record RecipientOutcome(
    QueuedRecipient Recipient,
    RecipientOutcomeKind Kind,
    DeliveryReply Reply,
    string? RemoteHost = null,
    bool ConnectionFailure = false)
{
    /// <summary>For the DSN's Remote-MTA field: did the remote take responsibility for DSNs (it advertised DSN and we passed NOTIFY on)?</summary>
    public bool RemoteHandlesDsn { get; init; }
    /// <summary>What the recipient domain's TLS policy (MTA-STS) found on the way, for the message trace; null without one.</summary>
    public string? TlsPolicyNote { get; init; }
}

/// <summary>
/// Delivers a batch and says, per recipient, what happened. Agents never throw for delivery
/// failures: every recipient gets an outcome; unknown failures become transient outcomes (never
/// bounce on a bug, style guideline 8). Cancellation (shutdown) is the only exception that escapes.
/// </summary>
public interface IDeliveryAgent
{
    DeliveryTargetKind Kind { get; }

    Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(DeliveryBatch batch, CancellationToken cancellationToken);
}
