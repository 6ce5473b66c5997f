using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// Group commit for the queue's bookkeeping after acceptance (claims, routed recipients, delivery
/// outcomes, notifications recorded, releases): the writes that categorizer and delivery workers
/// make at about the same time share one store transaction and one write turn, as accepted messages
/// do in the <see cref="GroupCommitter"/>. Before this, each of them was its own short transaction,
/// and a relayed message passed the single SQLite writer five or six times after its 250.
/// <para>Implementation summary: <see cref="WriteAsync{T}"/> hands the write to the
/// <see cref="BatchCommitter{T}"/> and waits. Each batch (up to <see cref="MaxBatchWrites"/> writes)
/// runs in arrival order on one context inside one transaction (bookkeeping durability, see
/// <see cref="SqliteStoreGate.EnterWriteAsync"/>), commits, and only then hands every waiter its
/// result. No timer: a batch is whatever arrived while the previous one was being written. Writes
/// from one caller keep their order (a worker's outcomes are written before its release).</para>
/// <para>Failure semantics: when a write throws, nothing of its batch is committed; the batch's
/// writes are then run again one transaction each, so one failing write fails alone. Every write is
/// fenced by its lease token and idempotent against its own earlier attempt, which is what makes
/// running it again safe. A waiter hears success only from a commit that included its write.</para>
/// </summary>
public sealed class BookkeepingCommitter : IAsyncDisposable, IDisposable
{
    public const int MaxBatchWrites = 256;

    private readonly IDbContextFactory<MailflowDbContext> _dbFactory;
    private readonly SqliteStoreGate _gate;
    private readonly BatchCommitter<PendingWrite> _committer;

    public BookkeepingCommitter(IDbContextFactory<MailflowDbContext> dbFactory, SqliteStoreGate gate, ILogger<BookkeepingCommitter> logger)
    {
        _dbFactory = dbFactory;
        _gate = gate;
        _committer = new BatchCommitter<PendingWrite>(
            nameof(BookkeepingCommitter), RunInTransactionAsync, MaxBatchWrites, maxSize: long.MaxValue,
            (count, exception) => QueueLog.BookkeepingBatchFailed(logger, count, exception));
    }

    /// <summary>Committed transactions so far (diagnostics: writes / batches is the average batch size).</summary>
    public long CommittedBatches => _committer.CommittedBatches;

    /// <summary>Writes committed so far.</summary>
    public long CommittedWrites => _committer.CommittedItems;

    /// <summary>
    /// Runs <paramref name="write"/> in the next batch's transaction (it must not begin or commit one
    /// itself) and completes with its result once that transaction committed. The token it is given is
    /// the batch's, not the caller's: a write once started is finished, so a cancelled caller only stops
    /// waiting (its write is lease-fenced, so committing it late is harmless).
    /// </summary>
    public Task<T> WriteAsync<T>(Func<MailflowDbContext, CancellationToken, Task<T>> write, CancellationToken cancellationToken = default)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var pending = new PendingWrite<T>(write);
        _committer.Enqueue(pending);
        return cancellationToken.CanBeCanceled ? pending.Committed.WaitAsync(cancellationToken) : pending.Committed;
    }

    private async Task RunInTransactionAsync(IReadOnlyList<PendingWrite> writes)
    {
        await using var db = await _dbFactory.CreateDbContextAsync();
        await using (await _gate.EnterWriteAsync(db, CancellationToken.None))
        {
            await using var transaction = await db.Database.BeginTransactionAsync();
            foreach (var pending in writes)
            {
                await pending.RunAsync(db, CancellationToken.None);
                // Entities one write added or loaded are nothing to the next one.
                db.ChangeTracker.Clear();
            }
            await transaction.CommitAsync(CancellationToken.None);
        }
    }

    /// <summary>Stops taking writes and finishes what is already queued.</summary>
    public ValueTask DisposeAsync() => _committer.DisposeAsync();

    /// <summary>For containers disposed synchronously; same as <see cref="DisposeAsync"/>.</summary>
    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private abstract class PendingWrite : IBatchItem
    {
        public long Size => 0;

        public abstract Task RunAsync(MailflowDbContext db, CancellationToken cancellationToken);

        public abstract void Complete();

        public abstract void Fail(Exception exception);
    }

    private sealed class PendingWrite<T>(Func<MailflowDbContext, CancellationToken, Task<T>> write) : PendingWrite
    {
        // Asynchronous continuations: completing a batch must not run every worker's next steps on the loop.
        private readonly TaskCompletionSource<T> _committed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        private T _result = default!;

        public Task<T> Committed => _committed.Task;

        public override async Task RunAsync(MailflowDbContext db, CancellationToken cancellationToken) =>
            _result = await write(db, cancellationToken);

        public override void Complete() => _committed.TrySetResult(_result);

        public override void Fail(Exception exception) => _committed.TrySetException(exception);
    }
}
