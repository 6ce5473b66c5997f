namespace Mailflow.Admin.Web.Identity;

/// <summary>Claims the admin center adds to an admin's cookie besides Identity's own (name, roles, security stamp).</summary>
public static class AdminClaims
{
    /// <summary>Present while the account still has its first-start password: every page except the password change is refused.</summary>
    public const string MustChangePassword = "mailflow:must_change_password";
}
