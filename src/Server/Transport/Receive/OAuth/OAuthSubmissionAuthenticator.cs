using System.Net;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Receive.Directory;
using Mailflow.Server.Transport.Receive.Policy;

namespace Mailflow.Server.Transport.Receive.OAuth;

/// <summary>
/// AUTH OAUTHBEARER/XOAUTH2: the token must validate (<see cref="AccessTokenValidator"/>) and its address claim
/// must name a mailbox (by any of its addresses); a user the client named in the SASL message must be that
/// same mailbox. The identity is then the mailbox's, with its send-as grants, as for AUTH PLAIN. Failures
/// count in <see cref="AuthFailureThrottle"/> (a client locked out for failed passwords is locked out here too);
/// no delays are added, because a signed token cannot be guessed the way a password can.
/// </summary>
public sealed partial class OAuthSubmissionAuthenticator(
    TransportConfigProvider config,
    AccessTokenValidator validator,
    AuthFailureThrottle throttle,
    ILogger<OAuthSubmissionAuthenticator> logger) : IBearerTokenAuthenticator
{
    public const string UnknownAccount = "(token)";

    public async ValueTask<BearerTokenResult> AuthenticateAsync(string accessToken, string? claimedUser, IPAddress client, CancellationToken cancellationToken)
    {
        var snapshot = config.Current;
        var settings = snapshot.Organization;
        var account = string.IsNullOrWhiteSpace(claimedUser) ? UnknownAccount : claimedUser.Trim();
        if (string.IsNullOrWhiteSpace(settings.OAuthIssuer))
            return Refuse(client, account, "OAuth submission has no issuer configured (organization settings)", null);
        var discovery = OidcSigningKeys.DiscoveryUrl(settings.OAuthIssuer);
        if (throttle.IsLockedOut(client))
        {
            Log.LockedOut(logger, client, account);
            ReceiveMetrics.ClientThrottled(ReceiveMetrics.ThrottleLimit.AuthLockout);
            return BearerTokenResult.Refused(account, "too many failed AUTH attempts from this address", discovery);
        }
        var (address, failure) = await validator.ValidateAsync(accessToken, settings, cancellationToken);
        if (address is null)
            return Refuse(client, account, failure!, discovery);
        account = address;
        var mailbox = snapshot.FindRecipient(address);
        if (mailbox is not { Kind: RecipientKind.Mailbox })
            return Refuse(client, account, $"the token's address {address} is not a mailbox", discovery);
        if (!string.IsNullOrWhiteSpace(claimedUser) && snapshot.FindRecipient(claimedUser.Trim())?.Id != mailbox.Id)
            return Refuse(client, account, $"the client named {claimedUser.Trim()}, but the token is {address}'s", discovery);
        Log.Succeeded(logger, client, mailbox.PrimaryAddress);
        return new BearerTokenResult(new SubmissionIdentity(mailbox.PrimaryAddress, [.. mailbox.AllAddresses], [.. mailbox.SendAs]), mailbox.PrimaryAddress, null, discovery);
    }

    private BearerTokenResult Refuse(IPAddress client, string account, string failure, string? discovery)
    {
        throttle.RecordFailure(client, account);
        Log.Failed(logger, client, account, failure);
        return BearerTokenResult.Refused(account, failure, discovery);
    }

    private static partial class Log
    {
        [LoggerMessage(1104, LogLevel.Information, "AUTH (OAuth) succeeded from {Client} as {Account}")]
        public static partial void Succeeded(ILogger logger, IPAddress client, string account);

        [LoggerMessage(1105, LogLevel.Warning, "AUTH (OAuth) failed from {Client} for {Account}: {Reason}")]
        public static partial void Failed(ILogger logger, IPAddress client, string account, string reason);

        [LoggerMessage(1106, LogLevel.Warning, "AUTH (OAuth) refused from {Client} for {Account}: too many failures from this address")]
        public static partial void LockedOut(ILogger logger, IPAddress client, string account);
    }
}
