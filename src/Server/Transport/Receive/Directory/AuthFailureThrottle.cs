using System.Net;
using Mailflow.Net;
using Mailflow.Security;

namespace Mailflow.Server.Transport.Receive.Directory;

/// <summary>
/// Failed AUTH attempts counted across sessions, per client (IPv6 grouped by /64) and per account.
/// After a few free attempts each further failure waits longer (progressive delay); past the lockout
/// threshold a client is refused outright until the window passes. Per account, attempts are
/// verified one at a time (<see cref="SerializeAsync"/>) and a token bucket refuses further attempts
/// with a temporary failure once it is empty — so 30 guesses from 30 addresses take as long as 30
/// from one, and stop after <see cref="AccountBurst"/>. An attacker cannot lock a user out for good:
/// the bucket refills. Idle keys are evicted; memory does not grow with the number of guessers.
/// </summary>
public sealed class AuthFailureThrottle(TimeProvider time)
{
    /// <summary>Failures are remembered this long.</summary>
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    /// <summary>Failures before delays start.</summary>
    public const int FreeAttempts = 3;
    /// <summary>Failures from one client after which it is refused until the window passes.</summary>
    public const int IpLockoutThreshold = 20;
    public static readonly TimeSpan MaxDelay = TimeSpan.FromSeconds(16);
    /// <summary>Failed attempts one account absorbs before it answers 454 4.7.0; one more per <see cref="AccountRefill"/>.</summary>
    public const int AccountBurst = 10;
    public static readonly TimeSpan AccountRefill = TimeSpan.FromMinutes(1);

    private readonly FailureWindow _failures = new(time, Window);
    private readonly TokenBuckets _accountAttempts = new(time, AccountBurst, AccountRefill);
    private readonly KeyedLock _accountLocks = new();

    /// <summary>Keys held across the failure window, the account buckets and the account locks.</summary>
    public int TrackedKeys => _failures.TrackedKeys + _accountAttempts.TrackedKeys + _accountLocks.TrackedKeys;

    public bool IsLockedOut(IPAddress client) => _failures.Count(ClientKey(client)) >= IpLockoutThreshold;

    /// <summary>Whether the account may be tried now; false = answer a temporary failure without checking the password.</summary>
    public bool AccountMayTry(string account) => _accountAttempts.HasToken(AccountKey(account));

    /// <summary>Holds the account's verification slot: attempts against one account run one at a time.</summary>
    public Task<IDisposable> SerializeAsync(string account, CancellationToken cancellationToken) =>
        _accountLocks.AcquireAsync(AccountKey(account), cancellationToken);

    /// <summary>How long to hold the reply to this attempt: zero for the first few failures, then doubling.</summary>
    public TimeSpan DelayFor(IPAddress client, string account)
    {
        var failures = Math.Max(_failures.Count(ClientKey(client)), _failures.Count(AccountKey(account)));
        if (failures < FreeAttempts)
            return TimeSpan.Zero;
        var seconds = Math.Pow(2, Math.Min(failures - FreeAttempts, 4));
        return TimeSpan.FromSeconds(Math.Min(seconds, MaxDelay.TotalSeconds));
    }

    public void RecordFailure(IPAddress client, string account)
    {
        _failures.Record(ClientKey(client));
        _failures.Record(AccountKey(account));
        _accountAttempts.Take(AccountKey(account));
    }

    private static string ClientKey(IPAddress client) => "ip:" + ClientAddressKey.For(client);

    private static string AccountKey(string account) => "user:" + account.Trim().ToLowerInvariant();
}
