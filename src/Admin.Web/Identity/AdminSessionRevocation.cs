namespace Mailflow.Admin.Web.Identity;

/// <summary>
/// Tells this node's open admin center circuits that an account's sessions ended (sign-out, password
/// change or reset, roles changed, account disabled or deleted), so they are signed out at once
/// rather than at the next revalidation. The cookie itself is refused on the next request because
/// the security stamp is checked on every request and was rotated.
/// </summary>
public sealed class AdminSessionRevocation
{
    public event Action<string>? Revoked;

    /// <param name="userId">The account's id (the name identifier claim).</param>
    public void Revoke(string userId) => Revoked?.Invoke(userId);
}
