namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// Group commit for durable acceptance: sessions that finish a message at about the same time share
/// one store transaction, so one fsync makes the whole batch durable (the log-structured idea behind
/// PostgreSQL's commit_delay and ext4's journal; Postfix instead fsyncs each queue file). Each session
/// still answers <c>250</c> only after the transaction holding its message committed.
/// <para>Implementation summary: <see cref="CommitAsync"/> hands the message to the
/// <see cref="BatchCommitter{T}"/> (batches of up to <see cref="MaxBatchMessages"/> messages or
/// <see cref="MaxBatchBytes"/> bytes of content) and waits; the <see cref="IQueueBatchWriter"/> writes
/// each batch in one transaction. When a batch fails, its messages are retried one by one, so a
/// poison message fails alone (its client gets <c>451</c> and retries) and the others are stored.
/// A waiter is acknowledged only by a commit that included its message.</para>
/// </summary>
public sealed class GroupCommitter : IAsyncDisposable, IDisposable
{
    public const int MaxBatchMessages = 128;
    public const long MaxBatchBytes = 16 * 1024 * 1024;

    private readonly BatchCommitter<PendingCommit> _committer;

    internal GroupCommitter(IQueueBatchWriter writer, ILogger<GroupCommitter> logger)
    {
        _committer = new BatchCommitter<PendingCommit>(
            nameof(GroupCommitter),
            batch => writer.WriteAsync(batch, CancellationToken.None),
            MaxBatchMessages, MaxBatchBytes,
            (count, exception) => QueueLog.BatchFailed(logger, count, exception),
            count => QueueLog.BatchCommitted(logger, count));
    }

    /// <summary>Committed store transactions so far (diagnostics: messages / batches is the average batch size).</summary>
    public long CommittedBatches => _committer.CommittedBatches;

    /// <summary>Messages acknowledged so far.</summary>
    public long CommittedMessages => _committer.CommittedItems;

    /// <summary>
    /// Queues the message for the next batch and completes with its queue id once it is committed.
    /// The wait itself is not cancellable: once the committer may be writing the message, the caller
    /// must learn the outcome (and must keep <paramref name="content"/> readable until then).
    /// </summary>
    internal Task<string> CommitAsync(Mailflow.Queue.QueuedMessage message, IStagedContent content, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingCommit(message, content);
        _committer.Enqueue(pending);
        return pending.Stored;
    }

    /// <summary>Stops taking messages and finishes what is already queued (their sessions are waiting for an answer).</summary>
    public ValueTask DisposeAsync() => _committer.DisposeAsync();

    /// <summary>For containers disposed synchronously; same as <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
