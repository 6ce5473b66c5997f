using System.Globalization;

namespace Mailflow.Queue;

// Shapes of the queue viewer's queries: shared, so the admin center can use them through IQueueOperations.

/// <summary>
/// Which queued messages an admin means: the viewer's filters, also the target of "everything matching
/// the filter" actions. Text filters match case-insensitively anywhere in the value (SQLite folds ASCII
/// letters only, PostgreSQL every letter).
/// </summary>
public record QueueMessageFilter
{
    public string? Sender { get; init; }
    /// <summary>Matches messages with any recipient whose address contains this text.</summary>
    public string? Recipient { get; init; }
    /// <summary>The stored state; prefer <see cref="Status"/>. Without either, only messages still queued (not Completed).</summary>
    public QueuedMessageState? State { get; init; }
    /// <summary>The operator's status (Active, Ready, Retry, …); Completed shows finished messages.</summary>
    public QueueMessageStatus? Status { get; init; }
    public string? SubjectContains { get; init; }
    /// <summary>Only messages with an undelivered recipient routed to this next hop (drilling into one queue).</summary>
    public string? NextHopKey { get; init; }
    /// <summary>Only messages received at or after this time.</summary>
    public DateTimeOffset? ReceivedFrom { get; init; }
    /// <summary>Only messages received before this time.</summary>
    public DateTimeOffset? ReceivedBefore { get; init; }

    /// <summary>The filter alone, without a derived record's paging and sorting.</summary>
    public QueueMessageFilter ToFilter() => new()
    {
        Sender = Sender,
        Recipient = Recipient,
        State = State,
        Status = Status,
        SubjectContains = SubjectContains,
        NextHopKey = NextHopKey,
        ReceivedFrom = ReceivedFrom,
        ReceivedBefore = ReceivedBefore,
    };

    /// <summary>In words, for confirmations and the audit log: <c>sender contains 'x', state Suspended</c>; "all messages still queued" when empty.</summary>
    public string Describe()
    {
        var parts = new List<string>();
        if (!string.IsNullOrEmpty(NextHopKey))
            parts.Add($"queue {NextHopKey}");
        if (!string.IsNullOrEmpty(Sender))
            parts.Add($"sender contains '{Sender}'");
        if (!string.IsNullOrEmpty(Recipient))
            parts.Add($"recipient contains '{Recipient}'");
        if (!string.IsNullOrEmpty(SubjectContains))
            parts.Add($"subject contains '{SubjectContains}'");
        if (State is { } state)
            parts.Add($"state {state}");
        if (Status is { } status)
            parts.Add($"status {status}");
        if (ReceivedFrom is { } from)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"received from {from:u}"));
        if (ReceivedBefore is { } before)
            parts.Add(string.Create(CultureInfo.InvariantCulture, $"received before {before:u}"));
        return parts.Count == 0 ? "all messages still queued" : string.Join(", ", parts);
    }
}

/// <summary>A page of the queue viewer: the filter, one sort column and the window.</summary>
public sealed record QueueMessageQuery : QueueMessageFilter
{
    public QueueMessageSort SortBy { get; init; } = QueueMessageSort.ReceivedAt;
    public bool Descending { get; init; } = true;
    public int Skip { get; init; }
    /// <summary>Page size; defaults to 50, at most 500.</summary>
    public int Take { get; init; } = 50;
}

/// <summary>The columns the queue viewer sorts on (each backed by an index on QueuedMessages ending in Id, the tie-breaker).</summary>
public enum QueueMessageSort
{
    ReceivedAt,
    Sender,
    Size,
    Subject,
    NextAttemptAt,
}

/// <summary>One row of the queue viewer.</summary>
/// <param name="FirstRecipient">The first envelope recipient (the grid shows it with "+N more").</param>
/// <param name="Attempts">The most delivery attempts any of its recipients had.</param>
/// <param name="LastError">The most recent failure reply (4xx/5xx) of any of its recipients, as <c>451 4.7.1 …</c>.</param>
public sealed record QueuedMessageSummary(
    long Id,
    string QueueId,
    QueuedMessageState State,
    string Sender,
    string? Subject,
    string? FromHeader,
    long Size,
    DateTimeOffset ReceivedAt,
    DateTimeOffset? NextAttemptAt,
    int RecipientCount,
    string? FirstRecipient = null,
    int Attempts = 0,
    string? LastError = null,
    QueueMessageStatus Status = QueueMessageStatus.Ready,
    string ReceivingNode = "",
    string? DeliveringNode = null)
{
    /// <summary>The next attempt, or null while the message is held (a suspended message has no real next attempt).</summary>
    public DateTimeOffset? EffectiveNextAttemptAt => Status.IsHeld() || Status == QueueMessageStatus.Active ? null : NextAttemptAt;
}

public sealed record QueueMessagePage(IReadOnlyList<QueuedMessageSummary> Messages, int TotalCount);
