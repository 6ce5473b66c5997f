using Microsoft.Extensions.Logging;

namespace Mailflow.Admin.Web.Identity;

/// <summary>Admin center events: 7000–7999. Next free id: 7009. Passwords never appear in these messages.</summary>
internal static partial class AdminCenterLog
{
    [LoggerMessage(7000, LogLevel.Warning, "Created the first admin account '{UserName}' with a generated password; it is shown once on the console and must be changed at first sign-in")]
    public static partial void AdminCreatedWithGeneratedPassword(ILogger logger, string userName);

    [LoggerMessage(7001, LogLevel.Information, "Created the first admin account '{UserName}' with the password from Mailflow:Admin:InitialPassword; it must be changed at first sign-in")]
    public static partial void AdminCreatedWithConfiguredPassword(ILogger logger, string userName);

    [LoggerMessage(7002, LogLevel.Information, "Admin '{UserName}' signed in from {Client}")]
    public static partial void SignedIn(ILogger logger, string userName, string client);

    [LoggerMessage(7007, LogLevel.Warning, "Failed sign-in for '{UserName}' from {Client}: {Reason}")]
    public static partial void SignInFailed(ILogger logger, string userName, string client, string reason);

    [LoggerMessage(7004, LogLevel.Information, "Admin '{UserName}' changed their password")]
    public static partial void PasswordChanged(ILogger logger, string userName);

    [LoggerMessage(7005, LogLevel.Information, "Admin '{UserName}' signed out from {Client}")]
    public static partial void SignedOut(ILogger logger, string userName, string client);

    [LoggerMessage(7006, LogLevel.Warning, "A page could not reload after configuration generation {Generation} was saved; it shows the previous data until the next change or a reload")]
    public static partial void LiveReloadFailed(ILogger logger, long generation, Exception exception);
}
