using System.Collections.Concurrent;
using System.Net;

namespace Mailflow.Server.Transport.Receive.Directory;

/// <summary>
/// Failed AUTH attempts counted across sessions, per client IP and per account, in a sliding window.
/// After a few free attempts each further failure waits longer (progressive delay), and past the
/// lockout threshold the key is refused outright until the window passes — so a password guesser
/// gains nothing by opening new connections, and one attacker cannot lock out a user from every
/// other IP (the account key only delays, the IP key locks).
/// </summary>
public sealed class AuthFailureThrottle(TimeProvider time)
{
    /// <summary>Failures are remembered this long.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    /// <summary>Failures before delays start.</summary>
    public const int FreeAttempts = 3;
    /// <summary>Failures from one IP after which it is refused until the window passes.</summary>
    public const int IpLockoutThreshold = 20;
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(16);

    private readonly ConcurrentDictionary<string, ConcurrentQueue<DateTimeOffset>> _failures = new();

    public bool IsLockedOut(IPAddress client) => Count("ip:" + client) >= IpLockoutThreshold;

    /// <summary>How long to hold the reply to this attempt: zero for the first few failures, then doubling.</summary>
    public TimeSpan DelayFor(IPAddress client, string account)
    {
        var failures = Math.Max(Count("ip:" + client), Count("user:" + account.ToLowerInvariant()));
        if (failures < FreeAttempts)
            return TimeSpan.Zero;
        var seconds = Math.Pow(2, Math.Min(failures - FreeAttempts, 4));
        return TimeSpan.FromSeconds(Math.Min(seconds, MaxDelay.TotalSeconds));
    }

    public void RecordFailure(IPAddress client, string account)
    {
        var now = time.GetUtcNow();
        _failures.GetOrAdd("ip:" + client, _ => new()).Enqueue(now);
        _failures.GetOrAdd("user:" + account.ToLowerInvariant(), _ => new()).Enqueue(now);
    }

    private int Count(string key)
    {
        if (!_failures.TryGetValue(key, out var queue))
            return 0;
        var cutoff = time.GetUtcNow() - Window;
        while (queue.TryPeek(out var oldest) && oldest < cutoff)
            queue.TryDequeue(out _);
        return queue.Count;
    }
}
