using System.Threading.Channels;

namespace Mailflow.Server.Transport.Categorize;

/// <summary>
/// The categorizer's doorbell: rung when the receive path commits a message, so it is categorized
/// at once instead of at the next poll. Rings coalesce; ringing never blocks.
/// </summary>
public sealed class SubmissionSignal
{
    private readonly Channel<bool> _rings = Channel.CreateBounded<bool>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Ring() => _rings.Writer.TryWrite(true);

    /// <summary>Waits for a ring or <paramref name="timeout"/>, whichever comes first.</summary>
    public async Task WaitAsync(TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var timer = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timer.Token);
        try
        {
            await _rings.Reader.WaitToReadAsync(linked.Token);
            _rings.Reader.TryRead(out _);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            // The poll interval passed.
        }
    }
}
