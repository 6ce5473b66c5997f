using System.Collections.Concurrent;

namespace Mailflow.Security;

/// <summary>
/// A token bucket per key: <see cref="Capacity"/> tokens, one more every <see cref="RefillEvery"/>.
/// A caller takes a token per failed attempt and is refused while the bucket is empty, so a guesser
/// gets a burst and then one try per refill interval however many addresses it comes from. Full
/// buckets hold nothing worth remembering and are evicted, so memory stays bounded.
/// </summary>
public sealed class TokenBuckets(TimeProvider time, int capacity, TimeSpan refillEvery)
{
    private sealed class Bucket
    {
        public double Tokens;
        public DateTimeOffset Updated;
    }

    private readonly ConcurrentDictionary<string, Bucket> _buckets = new(StringComparer.Ordinal);
    private long _nextSweepTicks;

    public int Capacity => capacity;
    public TimeSpan RefillEvery => refillEvery;
    public int TrackedKeys => _buckets.Count;

    /// <summary>Whether the key has a token left (does not take one).</summary>
    public bool HasToken(string key)
    {
        Sweep();
        if (!_buckets.TryGetValue(key, out var bucket))
            return true;
        lock (bucket)
            return Refill(bucket, time.GetUtcNow()) >= 1;
    }

    /// <summary>Takes a token (a failed attempt); an empty bucket stays empty.</summary>
    public void Take(string key)
    {
        Sweep();
        var now = time.GetUtcNow();
        var bucket = _buckets.GetOrAdd(key, _ => new Bucket { Tokens = capacity, Updated = now });
        lock (bucket)
            bucket.Tokens = Math.Max(0, Refill(bucket, now) - 1);
    }

    /// <summary>Takes a token if one is left, in one step (a rate limit admits the event only then).</summary>
    public bool TryTake(string key)
    {
        Sweep();
        var now = time.GetUtcNow();
        var bucket = _buckets.GetOrAdd(key, _ => new Bucket { Tokens = capacity, Updated = now });
        lock (bucket)
        {
            if (Refill(bucket, now) < 1)
                return false;
            bucket.Tokens -= 1;
            return true;
        }
    }

    /// <summary>Tokens left per key that is not full (full buckets are not worth listing), for "who is throttled now".</summary>
    public IReadOnlyList<(string Key, double Tokens)> Entries()
    {
        Sweep();
        var now = time.GetUtcNow();
        var entries = new List<(string, double)>();
        foreach (var (key, bucket) in _buckets)
        {
            double tokens;
            lock (bucket)
                tokens = Refill(bucket, now);
            if (tokens < capacity)
                entries.Add((key, tokens));
        }
        return entries;
    }

    /// <summary>How long until the key has a token again (zero when it has one now).</summary>
    public TimeSpan TimeUntilToken(string key)
    {
        if (!_buckets.TryGetValue(key, out var bucket))
            return TimeSpan.Zero;
        lock (bucket)
        {
            var tokens = Refill(bucket, time.GetUtcNow());
            return tokens >= 1 ? TimeSpan.Zero : refillEvery * (1 - tokens);
        }
    }

    /// <summary>Fills the key's bucket again (an admin's reset).</summary>
    public bool Forget(string key) => _buckets.TryRemove(key, out _);

    private double Refill(Bucket bucket, DateTimeOffset now)
    {
        var elapsed = now - bucket.Updated;
        if (elapsed > TimeSpan.Zero)
        {
            bucket.Tokens = Math.Min(capacity, bucket.Tokens + elapsed / refillEvery);
            bucket.Updated = now;
        }
        return bucket.Tokens;
    }

    private void Sweep()
    {
        var now = time.GetUtcNow();
        var due = Interlocked.Read(ref _nextSweepTicks);
        if (now.UtcTicks < due)
            return;
        if (Interlocked.CompareExchange(ref _nextSweepTicks, (now + FailureWindow.SweepInterval(refillEvery, _buckets.Count)).UtcTicks, due) != due)
            return;
        foreach (var (key, bucket) in _buckets)
        {
            bool full;
            lock (bucket)
                full = Refill(bucket, now) >= capacity;
            if (full)
                _buckets.TryRemove(new KeyValuePair<string, Bucket>(key, bucket));
        }
    }
}
