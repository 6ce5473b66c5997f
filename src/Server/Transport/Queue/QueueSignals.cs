using System.Threading.Channels;

namespace Mailflow.Server.Transport.Queue;

/// <summary>Why the queue manager should look at the queue now rather than at its next timer.</summary>
public enum QueueEvent
{
    /// <summary>A message became ready for delivery (the categorizer committed it as Categorized, or a DSN was queued).</summary>
    MessageReady,
    /// <summary>A delivery finished: an in-flight slot is free.</summary>
    WorkerDone,
    /// <summary>The configuration changed: unreachable recipients may be routable now.</summary>
    ConfigurationChanged,
    /// <summary>An administrator resumed, retried or released something.</summary>
    AdminAction,
}

/// <summary>
/// The queue manager's doorbell (style guideline 7: wake on a channel signal or the earliest due
/// time). Anyone may ring it; rings coalesce, so signalling is cheap and never blocks. The integrator
/// calls <see cref="Signal"/> with <see cref="QueueEvent.MessageReady"/> after the categorizer commits.
/// </summary>
public sealed class QueueSignals
{
    private readonly Channel<QueueEvent> _events = Channel.CreateBounded<QueueEvent>(
        new BoundedChannelOptions(16) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });
    private int _configurationChanged;

    public void Signal(QueueEvent queueEvent)
    {
        if (queueEvent == QueueEvent.ConfigurationChanged)
            Volatile.Write(ref _configurationChanged, 1);
        _events.Writer.TryWrite(queueEvent);
    }

    /// <summary>True once after each configuration change signal.</summary>
    internal bool TakeConfigurationChanged() => Interlocked.Exchange(ref _configurationChanged, 0) == 1;

    /// <summary>Waits for a signal or <paramref name="timeout"/> (on <paramref name="time"/>'s clock), then drains pending signals.</summary>
    internal async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        if (_events.Reader.TryRead(out _))
        {
            while (_events.Reader.TryRead(out _)) { }
            return;
        }
        if (timeout <= TimeSpan.Zero)
            return;
        using var elapsed = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, elapsed.Token);
        try
        {
            await _events.Reader.WaitToReadAsync(linked.Token);
            while (_events.Reader.TryRead(out _)) { }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The timer: something is due.
        }
    }
}
