using System.Threading.Channels;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// Group commit for durable acceptance: sessions that finish a message at about the same time share
/// one store transaction, so one fsync makes the whole batch durable (the log-structured idea behind
/// PostgreSQL's commit_delay and ext4's journal; Postfix instead fsyncs each queue file). Each session
/// still answers <c>250</c> only after the transaction holding its message committed.
/// <para>Implementation summary: <see cref="CommitAsync"/> puts the message on a channel and waits.
/// One loop takes everything pending (up to <see cref="MaxBatchMessages"/> messages or
/// <see cref="MaxBatchBytes"/> bytes of content), has the <see cref="IQueueBatchWriter"/> write it in
/// one transaction, then completes every waiter. There is no timer: a batch is simply whatever arrived
/// while the previous one was being written, so a lone session pays no extra latency and a busy server
/// gets larger batches. When a batch fails, nothing in it was committed; its messages are retried one by
/// one, so a poison message fails alone (its client gets <c>451</c> and retries) and the others are
/// stored. A waiter is acknowledged only by a commit that included its message.</para>
/// </summary>
public sealed class GroupCommitter : IAsyncDisposable, IDisposable
{
    public const int MaxBatchMessages = 128;
    public const long MaxBatchBytes = 16 * 1024 * 1024;

    private readonly IQueueBatchWriter _writer;
    private readonly ILogger _logger;
    private readonly Channel<PendingCommit> _pending = Channel.CreateUnbounded<PendingCommit>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private long _batches;
    private long _messages;

    internal GroupCommitter(IQueueBatchWriter writer, ILogger<GroupCommitter> logger)
    {
        _writer = writer;
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Committed store transactions so far (diagnostics: messages / batches is the average batch size).</summary>
    public long CommittedBatches => Interlocked.Read(ref _batches);

    /// <summary>Messages acknowledged so far.</summary>
    public long CommittedMessages => Interlocked.Read(ref _messages);

    /// <summary>
    /// Queues the message for the next batch and completes with its queue id once it is committed.
    /// The wait itself is not cancellable: once the committer may be writing the message, the caller
    /// must learn the outcome (and must keep <paramref name="content"/> readable until then).
    /// </summary>
    internal Task<string> CommitAsync(Mailflow.Queue.QueuedMessage message, IStagedContent content, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingCommit(message, content);
        if (!_pending.Writer.TryWrite(pending))
            throw new ObjectDisposedException(nameof(GroupCommitter), "The queue is shutting down.");
        return pending.Stored;
    }

    private async Task RunAsync()
    {
        var batch = new List<PendingCommit>(MaxBatchMessages);
        var reader = _pending.Reader;
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            long bytes = 0;
            // The first message is always taken, however large; the byte bound only stops adding more.
            while (batch.Count < MaxBatchMessages && (batch.Count == 0 || bytes < MaxBatchBytes) && reader.TryRead(out var next))
            {
                batch.Add(next);
                bytes += next.Content.Length;
            }
            await CommitBatchAsync(batch);
        }
    }

    private async Task CommitBatchAsync(List<PendingCommit> batch)
    {
        try
        {
            await _writer.WriteAsync(batch, CancellationToken.None);
        }
        catch (Exception exception) when (batch.Count > 1)
        {
            QueueLog.BatchFailed(_logger, batch.Count, exception);
            foreach (var pending in batch)
                await CommitAloneAsync(pending);
            return;
        }
        catch (Exception exception)
        {
            batch[0].Fail(exception);
            return;
        }
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _messages, batch.Count);
        QueueLog.BatchCommitted(_logger, batch.Count);
        foreach (var pending in batch)
            pending.Acknowledge();
    }

    private async Task CommitAloneAsync(PendingCommit pending)
    {
        try
        {
            await _writer.WriteAsync([pending], CancellationToken.None);
        }
        catch (Exception exception)
        {
            pending.Fail(exception);
            return;
        }
        Interlocked.Increment(ref _batches);
        Interlocked.Increment(ref _messages);
        pending.Acknowledge();
    }

    /// <summary>Stops taking messages and finishes what is already queued (their sessions are waiting for an answer).</summary>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _loop;
    }

    /// <summary>For containers disposed synchronously; same as <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();
}
