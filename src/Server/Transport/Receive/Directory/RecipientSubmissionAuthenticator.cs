using System.Net;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Receive.Policy;

namespace Mailflow.Server.Transport.Receive.Directory;

/// <summary>
/// AUTH PLAIN/LOGIN against mailboxes' submission passwords (hashed with ASP.NET Core Identity's
/// hasher). The user name is one of the mailbox's addresses. Failures are throttled across sessions
/// by <see cref="AuthFailureThrottle"/> and logged without the password.
/// </summary>
public sealed partial class RecipientSubmissionAuthenticator(
    TransportConfigProvider config,
    RecipientService recipients,
    AuthFailureThrottle throttle,
    TimeProvider time,
    ILogger<RecipientSubmissionAuthenticator> logger) : ISubmissionAuthenticator
{
    public async ValueTask<SubmissionIdentity?> AuthenticateAsync(string userName, string password, IPAddress client, CancellationToken cancellationToken)
    {
        // One verification at a time per account: parallel guesses from many addresses queue up here,
        // each behind the previous one's delay, and stop when the account's bucket is empty.
        using var slot = await throttle.SerializeAsync(userName, cancellationToken);
        if (!throttle.AccountMayTry(userName))
        {
            Log.AccountThrottled(logger, client, userName);
            ReceiveMetrics.ClientThrottled(ReceiveMetrics.ThrottleLimit.AuthAccount);
            throw new AuthThrottledException();
        }
        var delay = throttle.DelayFor(client, userName);
        if (delay > TimeSpan.Zero)
            await Task.Delay(delay, time, cancellationToken);
        if (throttle.IsLockedOut(client))
        {
            Log.LockedOut(logger, client, userName);
            ReceiveMetrics.ClientThrottled(ReceiveMetrics.ThrottleLimit.AuthLockout);
            return null;
        }

        var mailbox = config.Current.FindRecipient(userName.Trim());
        if (!recipients.VerifySubmissionPassword(mailbox, password) || mailbox is null)
        {
            throttle.RecordFailure(client, userName);
            Log.Failed(logger, client, userName);
            return null;
        }
        Log.Succeeded(logger, client, mailbox.PrimaryAddress);
        return new SubmissionIdentity(mailbox.PrimaryAddress, [.. mailbox.AllAddresses], [.. mailbox.SendAs]);
    }

    private static partial class Log
    {
        [LoggerMessage(1100, LogLevel.Information, "AUTH succeeded from {Client} as {Account}")]
        public static partial void Succeeded(ILogger logger, IPAddress client, string account);

        [LoggerMessage(1101, LogLevel.Warning, "AUTH failed from {Client} for {Account}")]
        public static partial void Failed(ILogger logger, IPAddress client, string account);

        [LoggerMessage(1103, LogLevel.Warning, "AUTH refused from {Client} for {Account}: too many failed attempts for this account, answered 454")]
        public static partial void AccountThrottled(ILogger logger, IPAddress client, string account);

        [LoggerMessage(1102, LogLevel.Warning, "AUTH refused from {Client} for {Account}: too many failures from this address")]
        public static partial void LockedOut(ILogger logger, IPAddress client, string account);
    }
}
