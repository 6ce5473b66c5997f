using Mailflow.Queue;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// One message waiting for the <see cref="GroupCommitter"/>: its rows (built by the session, off the
/// write path) and its staged content. <see cref="Stored"/> completes with the queue id only after the
/// store transaction that holds the message committed, or faults when the message was not stored.
/// </summary>
internal sealed class PendingCommit(QueuedMessage message, IStagedContent content) : IBatchItem
{
    // Asynchronous continuations: completing a batch must not run every session's next steps on the committer.
    private readonly TaskCompletionSource<string> _stored = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public QueuedMessage Message { get; } = message;

    public IStagedContent Content { get; } = content;

    public Task<string> Stored => _stored.Task;

    /// <summary>Batches are bounded by content bytes too.</summary>
    public long Size => Content.Length;

    public void Complete() => _stored.TrySetResult(Message.QueueId);

    public void Fail(Exception exception) => _stored.TrySetException(exception);
}
