using System.Collections.Concurrent;

namespace Mailflow.Security;

/// <summary>One key's counter under one rate limit, as "who is throttled now" shows it.</summary>
/// <param name="Used">Events the bucket still remembers (the limit minus the tokens left, rounded up).</param>
/// <param name="NextAllowedIn">Zero while not throttled; else when the next event is admitted.</param>
/// <param name="ResetsIn">When the counter is back to zero if nothing more happens.</param>
public sealed record RateLimitCounter(RateLimitKind Kind, string Key, int Used, int Limit, bool Throttled, TimeSpan NextAllowedIn, TimeSpan ResetsIn)
{
    public RateLimitDefinition Definition => RateLimitDefinition.Of(Kind);
}

/// <summary>
/// This node's rate-limit counters: a token bucket per limit and key (<see cref="TokenBuckets"/>:
/// a burst of the whole limit, then one more event every window ÷ limit, as Exchange's throttling
/// budgets refill), so memory stays bounded and a key needs no list of timestamps. A changed limit
/// starts that limit's counters afresh.
/// </summary>
public sealed class RateLimitCounters(TimeProvider time)
{
    private readonly ConcurrentDictionary<RateLimitKind, TokenBuckets> _buckets = new();

    /// <summary>Counts one event if the key is under the limit; false = throttled (nothing counted).</summary>
    public bool TryTake(RateLimitKind kind, int limit, string key) => BucketsFor(kind, limit).TryTake(key);

    /// <summary>Whether one more event would be admitted (counts nothing: "Test mail flow", and checks before taking from several limits).</summary>
    public bool HasRoom(RateLimitKind kind, int limit, string key) => BucketsFor(kind, limit).HasToken(key);

    /// <summary>How long until one more event is admitted (zero = now).</summary>
    public TimeSpan TimeUntilRoom(RateLimitKind kind, int limit, string key) => BucketsFor(kind, limit).TimeUntilToken(key);

    /// <summary>Every key with something counted, throttled ones first.</summary>
    public IReadOnlyList<RateLimitCounter> Current()
    {
        var counters = new List<RateLimitCounter>();
        foreach (var (kind, buckets) in _buckets)
        {
            foreach (var (key, tokens) in buckets.Entries())
            {
                var used = (int)Math.Ceiling(buckets.Capacity - tokens - 1e-9);
                var throttled = tokens < 1;
                counters.Add(new RateLimitCounter(kind, key, Math.Max(used, 0), buckets.Capacity, throttled,
                    throttled ? buckets.RefillEvery * (1 - tokens) : TimeSpan.Zero,
                    buckets.RefillEvery * (buckets.Capacity - tokens)));
            }
        }
        return [.. counters.OrderByDescending(c => c.Throttled).ThenBy(c => c.Kind).ThenBy(c => c.Key, StringComparer.Ordinal)];
    }

    /// <summary>Forgets the key's count under one limit (an admin's reset); false when nothing was counted.</summary>
    public bool Reset(RateLimitKind kind, string key) => _buckets.TryGetValue(kind, out var buckets) && buckets.Forget(key);

    /// <summary>Forgets the key under every limit (a sender who was unblocked starts afresh).</summary>
    public void ResetEverywhere(string key)
    {
        foreach (var buckets in _buckets.Values)
            buckets.Forget(key);
    }

    private TokenBuckets BucketsFor(RateLimitKind kind, int limit)
    {
        if (limit < 1)
            throw new ArgumentOutOfRangeException(nameof(limit), "A rate limit admits at least one event.");
        var window = RateLimitDefinition.Of(kind).Window;
        return _buckets.AddOrUpdate(kind,
            _ => new TokenBuckets(time, limit, window / limit),
            (_, existing) => existing.Capacity == limit ? existing : new TokenBuckets(time, limit, window / limit));
    }
}
