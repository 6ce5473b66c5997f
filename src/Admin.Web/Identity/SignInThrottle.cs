using System.Net;
using Mailflow.Net;
using Mailflow.Security;

namespace Mailflow.Admin.Web.Identity;

/// <summary>
/// Admin sign-in guessing, limited per client address (IPv6 by /64) and per account name. A client
/// with <see cref="ClientLimit"/> failures in <see cref="Window"/> is refused until they age out;
/// an account absorbs <see cref="AccountBurst"/> failures from anywhere and then one more per
/// <see cref="AccountRefill"/> — a distributed guesser is slowed to a crawl, and one client alone
/// cannot keep the account closed to everyone else (unlike a per-account lockout). Attempts against
/// one account are checked one at a time. Unknown names are counted like real ones.
/// </summary>
public sealed class SignInThrottle(TimeProvider time)
{
    public static readonly TimeSpan Window = TimeSpan.FromMinutes(15);
    public const int ClientLimit = 10;
    public const int AccountBurst = 20;
    public static readonly TimeSpan AccountRefill = TimeSpan.FromSeconds(30);

    private readonly FailureWindow _clients = new(time, Window);
    private readonly TokenBuckets _accounts = new(time, AccountBurst, AccountRefill);
    private readonly KeyedLock _accountLocks = new();

    public Task<IDisposable> SerializeAsync(string account, CancellationToken cancellationToken) =>
        _accountLocks.AcquireAsync(AccountKey(account), cancellationToken);

    public bool MayTry(IPAddress? client, string account) =>
        _clients.Count(ClientKey(client)) < ClientLimit && _accounts.HasToken(AccountKey(account));

    public void RecordFailure(IPAddress? client, string account)
    {
        _clients.Record(ClientKey(client));
        _accounts.Take(AccountKey(account));
    }

    private static string ClientKey(IPAddress? client) => client is null ? "unknown" : ClientAddressKey.For(client);

    private static string AccountKey(string account) => account.Trim().ToLowerInvariant();
}
