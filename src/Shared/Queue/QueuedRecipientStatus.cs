using System.Linq.Expressions;

namespace Mailflow.Queue;

/// <summary>Per-recipient delivery status (Stalwart's per-recipient status; maddy retries only temporary failures).</summary>
public enum QueuedRecipientStatus
{
    /// <summary>Not yet attempted: due now.</summary>
    Scheduled,
    /// <summary>The next hop accepted it (2xx), or it was delivered locally.</summary>
    Delivered,
    /// <summary>A 4xx or a connection failure: retried at <see cref="QueuedRecipient.NextRetryAt"/>.</summary>
    TemporaryFailure,
    /// <summary>A 5xx, expiry or a resolution failure: final, an NDR is due unless NOTIFY=NEVER.</summary>
    PermanentFailure,
}

public static class QueuedRecipientStatusExtensions
{
    /// <summary>Delivered and permanently failed recipients are never attempted again.</summary>
    public static bool IsFinal(this QueuedRecipientStatus status) =>
        status is QueuedRecipientStatus.Delivered or QueuedRecipientStatus.PermanentFailure;
}

/// <summary>Recipient predicates for queries, next to <see cref="QueuedRecipientStatusExtensions.IsFinal"/> so the rule is written in one place.</summary>
public static class QueuedRecipientFilters
{
    /// <summary>
    /// "Not final" (<see cref="QueuedRecipientStatusExtensions.IsFinal"/> negated) as a translatable
    /// predicate: <c>db.QueuedRecipients.Where(IsOpen)</c>, or inside a message query
    /// <c>m.Recipients.AsQueryable().Where(IsOpen)</c>.
    /// </summary>
    public static readonly Expression<Func<QueuedRecipient, bool>> IsOpen =
        r => r.Status != QueuedRecipientStatus.Delivered && r.Status != QueuedRecipientStatus.PermanentFailure;
}
