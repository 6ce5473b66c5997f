namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// Bookkeeping writes that failed because the store was away (<see cref="StoreFailure"/>), written again
/// as soon as it accepts writes: a categorizer's release, a delivery's outcomes. Without this, a message
/// whose write failed kept its lease until the lease ran out (five minutes) although the store was back
/// within seconds.
/// <para>Implementation summary: one loop tries every pending write in arrival order; while any fails it
/// waits a short, growing pause (wall-clock time: this is about the store coming back, not about the
/// queue's schedule) and tries again. The writes are lease-fenced, so one that lost its lease meanwhile
/// simply writes nothing. At most <see cref="Capacity"/> writes wait; beyond that the oldest lease is left
/// to run out, and that is logged.</para>
/// </summary>
public sealed partial class StoreWriteRetry : IAsyncDisposable, IDisposable
{
    public const int Capacity = 10_000;
    private static readonly TimeSpan FirstPause = TimeSpan.FromMilliseconds(200);
    private static readonly TimeSpan LongestPause = TimeSpan.FromSeconds(2);

    private readonly ILogger<StoreWriteRetry> _logger;
    private readonly LinkedList<PendingRetry> _pending = new();
    private readonly SemaphoreSlim _arrived = new(0);
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _loop;
    private long _written;
    private long _abandoned;

    public StoreWriteRetry(ILogger<StoreWriteRetry> logger)
    {
        _logger = logger;
        _loop = Task.Run(RunAsync);
    }

    /// <summary>Writes waiting for the store now.</summary>
    public int Pending
    {
        get
        {
            lock (_pending)
                return _pending.Count;
        }
    }

    /// <summary>Writes that succeeded on a later try.</summary>
    public long Written => Interlocked.Read(ref _written);

    /// <summary>Writes given up because <see cref="Capacity"/> were already waiting (their leases run out instead).</summary>
    public long Abandoned => Interlocked.Read(ref _abandoned);

    /// <summary>
    /// Writes <paramref name="write"/> again until it no longer throws; then runs <paramref name="afterwards"/>
    /// (e.g. wakes the stage that can claim the message now). <paramref name="what"/> names it in the log.
    /// </summary>
    public void Enqueue(string what, Func<CancellationToken, Task> write, Action? afterwards = null, Exception? cause = null)
    {
        Log.Deferred(_logger, what, cause);
        PendingRetry? dropped = null;
        lock (_pending)
        {
            if (_pending.Count >= Capacity)
            {
                dropped = _pending.First!.Value;
                _pending.RemoveFirst();
            }
            _pending.AddLast(new PendingRetry(what, write, afterwards));
        }
        if (dropped is not null)
        {
            Interlocked.Increment(ref _abandoned);
            Log.Abandoned(_logger, dropped.What, Capacity);
        }
        _arrived.Release();
    }

    private async Task RunAsync()
    {
        var pause = FirstPause;
        var token = _stopping.Token;
        try
        {
            while (!token.IsCancellationRequested)
            {
                await _arrived.WaitAsync(token);
                while (Pending > 0 && !token.IsCancellationRequested)
                {
                    if (await TryAllAsync(token))
                    {
                        pause = FirstPause;
                        continue;
                    }
                    await Task.Delay(pause, token);
                    pause = pause * 2 > LongestPause ? LongestPause : pause * 2;
                }
            }
        }
        catch (OperationCanceledException) when (token.IsCancellationRequested)
        {
        }
    }

    /// <summary>One round over the waiting writes, oldest first; stops at the first that still fails. True when all were written.</summary>
    private async Task<bool> TryAllAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            PendingRetry? next;
            lock (_pending)
                next = _pending.First?.Value;
            if (next is null)
                return true;
            try
            {
                await next.Write(cancellationToken);
            }
            catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
            {
                if (!StoreFailure.Is(exception))
                {
                    // Not the store being away: trying again will not help; the lease runs out instead.
                    Remove(next);
                    Log.Failed(_logger, next.What, exception);
                    continue;
                }
                return false;
            }
            Remove(next);
            Interlocked.Increment(ref _written);
            Log.Written(_logger, next.What);
            try
            {
                next.Afterwards?.Invoke();
            }
            catch (Exception exception)
            {
                Log.Failed(_logger, next.What, exception);
            }
        }
    }

    private void Remove(PendingRetry retry)
    {
        lock (_pending)
            _pending.Remove(retry);
    }

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        await _loop;
        _stopping.Dispose();
    }

    public void Dispose() => DisposeAsync().AsTask().GetAwaiter().GetResult();

    private sealed record PendingRetry(string What, Func<CancellationToken, Task> Write, Action? Afterwards);

    private static partial class Log
    {
        [LoggerMessage(4020, LogLevel.Warning, "The store refused a write ({What}); writing it again as soon as the store accepts writes")]
        public static partial void Deferred(ILogger logger, string what, Exception? exception);

        [LoggerMessage(4021, LogLevel.Information, "Wrote {What} now that the store accepts writes again")]
        public static partial void Written(ILogger logger, string what);

        [LoggerMessage(4022, LogLevel.Error, "Gave up writing {What} again: {Capacity} writes were already waiting for the store; its lease runs out instead")]
        public static partial void Abandoned(ILogger logger, string what, int capacity);

        [LoggerMessage(4023, LogLevel.Error, "Writing {What} again failed for a reason other than the store being away; its lease runs out instead")]
        public static partial void Failed(ILogger logger, string what, Exception exception);
    }
}
