using System.Collections.Concurrent;

namespace Mailflow.Server.Transport.Deliver;

/// <summary>
/// Caps deliveries in flight per next hop (the connector's MaxConcurrentConnections; Postfix's
/// destination concurrency limit), across all messages this node works on. A changed limit takes
/// effect for new deliveries; ones in flight finish under the old one.
/// </summary>
public sealed class NextHopConcurrency
{
    private readonly ConcurrentDictionary<string, (int Limit, SemaphoreSlim Gate)> _gates = new(StringComparer.Ordinal);

    public async Task<IDisposable> EnterAsync(string nextHopKey, int limit, CancellationToken cancellationToken)
    {
        limit = Math.Max(1, limit);
        var entry = _gates.AddOrUpdate(nextHopKey,
            _ => (limit, new SemaphoreSlim(limit, limit)),
            (_, existing) => existing.Limit == limit ? existing : (limit, new SemaphoreSlim(limit, limit)));
        await entry.Gate.WaitAsync(cancellationToken);
        return new Slot(entry.Gate);
    }

    /// <summary>Deliveries to <paramref name="nextHopKey"/> in flight now.</summary>
    public int InFlight(string nextHopKey) => _gates.TryGetValue(nextHopKey, out var entry) ? entry.Limit - entry.Gate.CurrentCount : 0;

    private sealed class Slot(SemaphoreSlim gate) : IDisposable
    {
        private int _released;

        public void Dispose()
        {
            if (Interlocked.Exchange(ref _released, 1) == 0)
                gate.Release();
        }
    }
}
