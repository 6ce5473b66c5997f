using Mailflow.Auditing;
using Mailflow.Identity;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Logging;

namespace Mailflow.Admin.Web.Identity;

public enum AdminSignInResult
{
    Succeeded,
    /// <summary>Wrong name or password, disabled or locked account: one answer for all, so none can be told apart.</summary>
    Failed,
    /// <summary>Too many failures from this client or against this name for now.</summary>
    Throttled,
}

/// <summary>
/// The admin center's password sign-in. Attempts are throttled per client and per account
/// (<see cref="SignInThrottle"/>), answer the same way whether the account exists, is disabled or
/// the password is wrong, cost one password hash in every case (a dummy one for unknown names), and
/// are written to the log and the audit log with the client's address.
/// </summary>
public sealed class AdminSignIn(
    SignInManager<AdminUser> signInManager,
    SignInThrottle throttle,
    AdminSignInAudit audit,
    ILogger<AdminSignIn> logger)
{
    public const string AuditObjectType = "AdminSignIn";
    private const int MaxLoggedNameLength = 128;

    private static readonly AdminUser DummyUser = new();
    private static readonly Lazy<string> DummyHash = new(() => new PasswordHasher<AdminUser>().HashPassword(DummyUser, Guid.NewGuid().ToString("N")));

    public async Task<(AdminSignInResult Result, AdminUser? User)> SignInAsync(HttpContext context, string userName, string password, CancellationToken cancellationToken = default)
    {
        var name = Printable(userName.Trim());
        var client = context.Connection.RemoteIpAddress;
        using var slot = await throttle.SerializeAsync(name, cancellationToken);
        if (!throttle.MayTry(client, name))
        {
            await RecordAsync(name, client, AuditAction.SignInFailed, "too many failed sign-ins", cancellationToken);
            return (AdminSignInResult.Throttled, null);
        }

        var users = signInManager.UserManager;
        var user = await users.FindByNameAsync(name);
        string? reason = null;
        if (user is null || user.Disabled)
        {
            users.PasswordHasher.VerifyHashedPassword(DummyUser, DummyHash.Value, password);
            reason = user is null ? "unknown user" : "account disabled";
        }
        else
        {
            var check = await signInManager.CheckPasswordSignInAsync(user, password, lockoutOnFailure: false);
            if (check.Succeeded)
            {
                await signInManager.SignInAsync(user, isPersistent: false);
                await RecordAsync(user.UserName ?? name, client, AuditAction.SignIn, null, cancellationToken);
                return (AdminSignInResult.Succeeded, user);
            }
            reason = check.IsLockedOut ? "account locked" : check.IsNotAllowed ? "not allowed" : "wrong password";
        }
        throttle.RecordFailure(client, name);
        await RecordAsync(name, client, AuditAction.SignInFailed, reason, cancellationToken);
        return (AdminSignInResult.Failed, null);
    }

    /// <summary>Logs and audits a sign-out (the endpoint has already ended the session).</summary>
    public Task RecordSignOutAsync(string userName, System.Net.IPAddress? client, CancellationToken cancellationToken = default) =>
        RecordAsync(userName, client, AuditAction.SignOut, null, cancellationToken);

    private async Task RecordAsync(string name, System.Net.IPAddress? client, AuditAction action, string? reason, CancellationToken cancellationToken)
    {
        var address = client?.ToString() ?? "unknown";
        if (action == AuditAction.SignIn)
            AdminCenterLog.SignedIn(logger, name, address);
        else if (action == AuditAction.SignOut)
            AdminCenterLog.SignedOut(logger, name, address);
        else
            AdminCenterLog.SignInFailed(logger, name, address, reason ?? "");
        await audit.RecordSignInAsync(action, name, address, reason, cancellationToken);
    }

    /// <summary>What of a typed user name may reach the log and the audit log: printable and bounded.</summary>
    private static string Printable(string text)
    {
        var cleaned = new string([.. text.Where(c => !char.IsControl(c))]);
        return cleaned.Length > MaxLoggedNameLength ? cleaned[..MaxLoggedNameLength] : cleaned;
    }
}
