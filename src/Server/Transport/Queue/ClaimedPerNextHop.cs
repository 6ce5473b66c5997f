using Mailflow.Queue;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// How many claimed messages the queue manager holds per next hop, so a claim pass takes no more for a hop
/// than it can send there now (plus a small prefetch). A message with recipients on several hops counts on each.
/// </summary>
internal sealed class ClaimedPerNextHop
{
    private readonly Dictionary<string, int> _claimed = new(StringComparer.Ordinal);

    /// <summary>The hops of a claimed message's open recipients (<see cref="QueueStore.NoNextHop"/> for none).</summary>
    public static IReadOnlyList<string> HopsOf(QueuedMessage message) =>
        [.. message.Recipients.Where(r => !r.Status.IsFinal()).Select(r => r.NextHopKey ?? QueueStore.NoNextHop).Distinct(StringComparer.Ordinal)];

    public void Add(IReadOnlyList<string> hops)
    {
        lock (_claimed)
        {
            foreach (var hop in hops)
                _claimed[hop] = _claimed.GetValueOrDefault(hop) + 1;
        }
    }

    public void Remove(IReadOnlyList<string> hops)
    {
        lock (_claimed)
        {
            foreach (var hop in hops)
            {
                var left = _claimed.GetValueOrDefault(hop) - 1;
                if (left > 0)
                    _claimed[hop] = left;
                else
                    _claimed.Remove(hop);
            }
        }
    }

    public int Claimed(string hop)
    {
        lock (_claimed)
            return _claimed.GetValueOrDefault(hop);
    }

    /// <summary>The hops whose holdings reached their limit.</summary>
    public IReadOnlyList<string> Full(Func<string, int> limit)
    {
        lock (_claimed)
            return [.. _claimed.Where(h => h.Value >= limit(h.Key)).Select(h => h.Key)];
    }
}
