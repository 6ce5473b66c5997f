using System.Diagnostics;
using System.Threading.Channels;

namespace Mailflow.Server.Transport.Queue;

/// <summary>Something waiting for a <see cref="BatchCommitter{T}"/>: told once whether the transaction that held it committed.</summary>
internal interface IBatchItem
{
    /// <summary>How much this item weighs against <see cref="BatchCommitter{T}"/>'s size bound (content bytes; 0 when only the count matters).</summary>
    long Size { get; }

    /// <summary>The transaction holding this item committed.</summary>
    void Complete();

    /// <summary>This item was not committed.</summary>
    void Fail(Exception exception);
}

/// <summary>
/// The one group-commit loop behind every batched queue write (acceptance in <see cref="GroupCommitter"/>,
/// lease-fenced bookkeeping in <see cref="BookkeepingCommitter"/>): writers that finish at about the
/// same time share one store transaction, so one fsync (one write turn on SQLite) covers all of them.
/// <para>Implementation summary: <see cref="Enqueue"/> puts the item on a channel; the caller awaits
/// its own completion. One loop takes everything pending (up to <c>maxItems</c> items, and, after the
/// first, up to <c>maxSize</c> of <see cref="IBatchItem.Size"/>), hands the batch to the commit
/// function, and completes every item once that returned. No timer: a batch is whatever arrived while
/// the previous one was being written, so a lone writer pays no extra latency and a busy node gets
/// larger batches.</para>
/// <para>Failure semantics: when the commit function throws, nothing of the batch is committed; its
/// items are then committed again one transaction each, so a poison item fails alone and the others
/// are stored. An item is completed only by a commit that included it.</para>
/// </summary>
internal sealed class BatchCommitter<T> : IAsyncDisposable where T : class, IBatchItem
{
    private readonly Func<IReadOnlyList<T>, Task> _commit;
    private readonly int _maxItems;
    private readonly long _maxSize;
    private readonly string _name;
    private readonly Action<int, Exception> _batchFailed;
    private readonly Action<int>? _batchCommitted;
    private readonly Channel<T> _pending = Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true });
    private readonly Task _loop;
    private readonly KeyValuePair<string, object?> _metricTag;
    private long _batches;
    private long _items;

    /// <param name="name">The owner's name, for the error a writer gets after shutdown.</param>
    /// <param name="commit">Writes the batch in one transaction: when it returns, every item is committed; when it throws, none is.</param>
    /// <param name="batchFailed">Logs that a batch of several failed and is being retried item by item.</param>
    /// <param name="batchCommitted">Optional: called with the size of each committed batch.</param>
    public BatchCommitter(string name, Func<IReadOnlyList<T>, Task> commit, int maxItems, long maxSize,
        Action<int, Exception> batchFailed, Action<int>? batchCommitted = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxItems);
        _name = name;
        _metricTag = new("committer", name);
        _commit = commit;
        _maxItems = maxItems;
        _maxSize = maxSize;
        _batchFailed = batchFailed;
        _batchCommitted = batchCommitted;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Committed transactions so far (diagnostics: items / batches is the average batch size).</summary>
    public long CommittedBatches => Interlocked.Read(ref _batches);

    /// <summary>Items committed so far.</summary>
    public long CommittedItems => Interlocked.Read(ref _items);

    /// <summary>Queues the item for the next batch; the item hears the outcome. Throws once the committer is shutting down.</summary>
    public void Enqueue(T item)
    {
        if (!_pending.Writer.TryWrite(item))
            throw new ObjectDisposedException(_name, "The queue is shutting down.");
    }

    private async Task RunAsync()
    {
        var batch = new List<T>(_maxItems);
        var reader = _pending.Reader;
        while (await reader.WaitToReadAsync())
        {
            batch.Clear();
            long size = 0;
            // The first item is always taken, however large; the size bound only stops adding more.
            while (batch.Count < _maxItems && (batch.Count == 0 || size < _maxSize) && reader.TryRead(out var next))
            {
                batch.Add(next);
                size += next.Size;
            }
            await CommitBatchAsync(batch);
        }
    }

    private async Task CommitBatchAsync(List<T> batch)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await _commit(batch);
        }
        catch (Exception exception) when (batch.Count > 1)
        {
            _batchFailed(batch.Count, exception);
            foreach (var item in batch)
                await CommitAloneAsync(item);
            return;
        }
        catch (Exception exception)
        {
            batch[0].Fail(exception);
            return;
        }
        QueueMetrics.Committed(_metricTag, started, batch.Count);
        Interlocked.Increment(ref _batches);
        Interlocked.Add(ref _items, batch.Count);
        _batchCommitted?.Invoke(batch.Count);
        foreach (var item in batch)
            item.Complete();
    }

    private async Task CommitAloneAsync(T item)
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            await _commit([item]);
        }
        catch (Exception exception)
        {
            item.Fail(exception);
            return;
        }
        QueueMetrics.Committed(_metricTag, started, 1);
        Interlocked.Increment(ref _batches);
        Interlocked.Increment(ref _items);
        item.Complete();
    }

    /// <summary>Stops taking items and commits what is already queued (their writers are waiting for an answer).</summary>
    public async ValueTask DisposeAsync()
    {
        _pending.Writer.TryComplete();
        await _loop;
    }
}
