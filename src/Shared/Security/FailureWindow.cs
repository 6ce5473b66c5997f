using System.Collections.Concurrent;

namespace Mailflow.Security;

/// <summary>
/// Failures per key (a client address, an account) in a sliding window, for throttling password
/// guessing. Memory stays bounded: keys whose last failure left the window are evicted by a sweep
/// that runs every quarter window (every second while more than <see cref="SweepAboveKeys"/> keys are held).
/// </summary>
public sealed class FailureWindow(TimeProvider time, TimeSpan window)
{
    public const int SweepAboveKeys = 10_000;

    /// <summary>Sweeps are rare while the table is small, and every second while many keys are held (an attack in progress).</summary>
    internal static TimeSpan SweepInterval(TimeSpan normal, int keys) => keys > SweepAboveKeys ? TimeSpan.FromSeconds(1) : normal;

    private readonly ConcurrentDictionary<string, ConcurrentQueue<DateTimeOffset>> _failures = new(StringComparer.Ordinal);
    private long _nextSweepTicks;

    public TimeSpan Window => window;

    /// <summary>Keys currently held (for tests and diagnostics).</summary>
    public int TrackedKeys => _failures.Count;

    public int Count(string key)
    {
        SweepIfDue();
        if (!_failures.TryGetValue(key, out var queue))
            return 0;
        Trim(queue, time.GetUtcNow() - window);
        return queue.Count;
    }

    public void Record(string key)
    {
        SweepIfDue();
        _failures.GetOrAdd(key, _ => new()).Enqueue(time.GetUtcNow());
    }

    public void Forget(string key) => _failures.TryRemove(key, out _);

    private void SweepIfDue()
    {
        var now = time.GetUtcNow();
        var due = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < due)
            return;
        if (Interlocked.CompareExchange(ref _nextSweepTicks, (now + FailureWindow.SweepInterval(window / 4, _failures.Count)).UtcTicks, due) != due)
            return; // another caller sweeps
        var cutoff = now - window;
        foreach (var (key, queue) in _failures)
        {
            Trim(queue, cutoff);
            if (queue.IsEmpty)
                _failures.TryRemove(new KeyValuePair<string, ConcurrentQueue<DateTimeOffset>>(key, queue));
        }
    }

    private static void Trim(ConcurrentQueue<DateTimeOffset> queue, DateTimeOffset cutoff)
    {
        while (queue.TryPeek(out var oldest) && oldest < cutoff)
            queue.TryDequeue(out _);
    }
}
