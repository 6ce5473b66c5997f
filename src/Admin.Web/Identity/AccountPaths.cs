namespace Mailflow.Admin.Web.Identity;

/// <summary>Where the account pages live; cookie options, redirects and links use these.</summary>
public static class AccountPaths
{
    public const string Login = "/account/login";
    public const string Logout = "/account/logout";
    public const string ChangePasswordPage = "/account/change-password";
    public const string AccessDenied = "/account/access-denied";

    public static string ChangePassword(string? returnUrl) => WithReturnUrl(ChangePasswordPage, returnUrl);

    public static string LoginWithReturnUrl(string? returnUrl) => WithReturnUrl(Login, returnUrl);

    /// <summary>Only local paths come back as a place to go: an absolute or protocol-relative URL would be an open redirect.</summary>
    public static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal)
            ? returnUrl
            : "/";

    private static string WithReturnUrl(string path, string? returnUrl)
    {
        var safe = SafeReturnUrl(returnUrl);
        return safe == "/" ? path : $"{path}?returnUrl={Uri.EscapeDataString(safe)}";
    }
}
