namespace Mailflow.Admin.Web.LiveUpdates;

/// <summary>
/// Collapses a burst of change signals into one callback: it fires once the signals have been quiet for
/// the quiet period, and at the latest the maximum delay after the burst's first signal, so a steady
/// stream of saves (a script applying one change every 100 ms) still refreshes the page now and then.
/// <see cref="Signal"/> may be called from any thread; the callback runs on a timer thread.
/// </summary>
public sealed class ChangeDebouncer : IDisposable
{
    private readonly Lock _lock = new();
    private readonly TimeProvider _time;
    private readonly TimeSpan _quietPeriod;
    private readonly TimeSpan _maxDelay;
    private readonly Action _elapsed;
    private readonly ITimer _timer;
    private DateTimeOffset? _burstStartedAt;
    private bool _disposed;

    /// <param name="quietPeriod">How long no signal must arrive before the callback runs.</param>
    /// <param name="maxDelay">The longest a signal waits for its callback, however busy the burst.</param>
    public ChangeDebouncer(TimeProvider time, TimeSpan quietPeriod, TimeSpan maxDelay, Action elapsed)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(maxDelay, quietPeriod);
        _time = time;
        _quietPeriod = quietPeriod;
        _maxDelay = maxDelay;
        _elapsed = elapsed;
        _timer = time.CreateTimer(_ => OnTimer(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
    }

    public void Signal()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            var now = _time.GetUtcNow();
            _burstStartedAt ??= now;
            var quietEnds = now + _quietPeriod;
            var latest = _burstStartedAt.Value + _maxDelay;
            var due = (quietEnds < latest ? quietEnds : latest) - now;
            _timer.Change(due > TimeSpan.Zero ? due : TimeSpan.Zero, Timeout.InfiniteTimeSpan);
        }
    }

    private void OnTimer()
    {
        lock (_lock)
        {
            if (_disposed)
                return;
            _burstStartedAt = null;
        }
        _elapsed();
    }

    public void Dispose()
    {
        lock (_lock)
        {
            _disposed = true;
            _timer.Dispose();
        }
    }
}
