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

    /// <summary>
    /// Only local paths come back as a place to go: an absolute or protocol-relative URL would be an
    /// open redirect. Control characters refuse the URL; other non-ASCII characters are percent-encoded
    /// (UTF-8), because a redirect's Location header carries ASCII only.
    /// </summary>
    public static string SafeReturnUrl(string? returnUrl)
    {
        if (string.IsNullOrEmpty(returnUrl) || !returnUrl.StartsWith('/') || returnUrl.StartsWith("//", StringComparison.Ordinal)
            || returnUrl.StartsWith("/\\", StringComparison.Ordinal) || returnUrl.Length > 2048 || returnUrl.Any(char.IsControl))
            return "/";
        if (returnUrl.All(char.IsAscii))
            return returnUrl;
        var encoded = new System.Text.StringBuilder(returnUrl.Length * 3);
        Span<byte> utf8 = stackalloc byte[4];
        foreach (var rune in returnUrl.EnumerateRunes())
        {
            if (rune.IsAscii)
            {
                encoded.Append((char)rune.Value);
                continue;
            }
            var length = rune.EncodeToUtf8(utf8);
            foreach (var octet in utf8[..length])
                encoded.Append('%').Append(octet.ToString("X2", System.Globalization.CultureInfo.InvariantCulture));
        }
        return encoded.ToString();
    }

    private static string WithReturnUrl(string path, string? returnUrl)
    {
        var safe = SafeReturnUrl(returnUrl);
        return safe == "/" ? path : $"{path}?returnUrl={Uri.EscapeDataString(safe)}";
    }
}
