namespace Mailflow.Queue;

/// <summary>
/// A queued message's state as an operator thinks of it (Exchange's queue viewer: Active, Ready, Retry,
/// Suspended, …), derived from the stored <see cref="QueuedMessageState"/>, the lease and the next attempt.
/// </summary>
public enum QueueMessageStatus
{
    /// <summary>Accepted, waiting for the categorizer (Exchange's Submission queue).</summary>
    Submission,
    /// <summary>A worker is delivering it right now.</summary>
    Active,
    /// <summary>Due: waits for a free worker.</summary>
    Ready,
    /// <summary>Waits for its next retry after a temporary failure.</summary>
    Retry,
    /// <summary>Held by an administrator.</summary>
    Suspended,
    /// <summary>Held by a mail flow rule.</summary>
    Quarantined,
    /// <summary>Crashed its worker twice; set aside.</summary>
    Poison,
    /// <summary>Every recipient is final; only in the list when asked for (the trace is where finished mail is).</summary>
    Completed,
}

public static class QueueMessageStatuses
{
    /// <summary>The operator's status of a message at <paramref name="now"/>.</summary>
    public static QueueMessageStatus Of(QueuedMessageState state, DateTimeOffset? leaseUntil, DateTimeOffset? nextAttemptAt, DateTimeOffset now) => state switch
    {
        QueuedMessageState.Submitted => QueueMessageStatus.Submission,
        QueuedMessageState.Suspended => QueueMessageStatus.Suspended,
        QueuedMessageState.Quarantined => QueueMessageStatus.Quarantined,
        QueuedMessageState.Poison => QueueMessageStatus.Poison,
        QueuedMessageState.Completed => QueueMessageStatus.Completed,
        _ when leaseUntil > now => QueueMessageStatus.Active,
        _ when nextAttemptAt is null || nextAttemptAt <= now => QueueMessageStatus.Ready,
        _ => QueueMessageStatus.Retry,
    };

    /// <summary>Held messages are not attempted, so they have no next attempt to show.</summary>
    public static bool IsHeld(this QueueMessageStatus status) =>
        status is QueueMessageStatus.Suspended or QueueMessageStatus.Quarantined or QueueMessageStatus.Poison or QueueMessageStatus.Completed;

    /// <summary>One sentence for a tooltip or the API.</summary>
    public static string Explain(this QueueMessageStatus status) => status switch
    {
        QueueMessageStatus.Submission => "Accepted; waiting to be categorized and routed.",
        QueueMessageStatus.Active => "Being delivered right now.",
        QueueMessageStatus.Ready => "Due for delivery; waiting for a free connection.",
        QueueMessageStatus.Retry => "A delivery attempt failed temporarily; it is retried at the next attempt time.",
        QueueMessageStatus.Suspended => "Held by an administrator until resumed.",
        QueueMessageStatus.Quarantined => "Held by a mail flow rule until an administrator releases or removes it.",
        QueueMessageStatus.Poison => "Processing it crashed the server twice; held until an administrator resumes or removes it.",
        _ => "Every recipient has a final outcome; see the message trace.",
    };
}
