namespace Mailflow.Queue;

// Shapes of the queue viewer's queries: shared, so the admin center can use them through IQueueOperations.

/// <summary>Filters for the queue viewer. Text filters match case-insensitively anywhere in the value.</summary>
public sealed record QueueMessageQuery
{
    public string? Sender { get; init; }
    /// <summary>Matches messages with any recipient whose address contains this text.</summary>
    public string? Recipient { get; init; }
    public QueuedMessageState? State { get; init; }
    public string? SubjectContains { get; init; }
    /// <summary>Only messages with an undelivered recipient routed to this next hop (drilling into one queue).</summary>
    public string? NextHopKey { get; init; }
    public QueueMessageSort SortBy { get; init; } = QueueMessageSort.ReceivedAt;
    public bool Descending { get; init; } = true;
    public int Skip { get; init; }
    /// <summary>Page size; defaults to 50, at most 500.</summary>
    public int Take { get; init; } = 50;
}

/// <summary>The columns the queue viewer sorts on (each backed by an index on QueuedMessages).</summary>
public enum QueueMessageSort
{
    ReceivedAt,
    Sender,
    Size,
    Subject,
    NextAttemptAt,
}

/// <summary>One row of the queue viewer.</summary>
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
    int RecipientCount);

public sealed record QueueMessagePage(IReadOnlyList<QueuedMessageSummary> Messages, int TotalCount);
