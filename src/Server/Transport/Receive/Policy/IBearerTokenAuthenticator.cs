namespace Mailflow.Server.Transport.Receive.Policy;

/// <summary>
/// Checks an OAuth 2.0 access token presented with AUTH OAUTHBEARER (RFC 7628) or XOAUTH2 against the
/// organization's OpenID Connect issuer and maps it to the mailbox its address claim names.
/// </summary>
public interface IBearerTokenAuthenticator
{
    /// <param name="accessToken">The bearer token (a JWT), never logged.</param>
    /// <param name="claimedUser">The user the client named in the SASL message (OAUTHBEARER <c>a=</c>, XOAUTH2 <c>user=</c>), or null.</param>
    /// <returns>The identity, or why the token was refused (the session answers 535 5.7.8).</returns>
    /// <exception cref="Exception">The issuer's keys could not be fetched: the session answers 454 4.7.0.</exception>
    ValueTask<BearerTokenResult> AuthenticateAsync(string accessToken, string? claimedUser, System.Net.IPAddress client, CancellationToken cancellationToken);
}

/// <param name="Identity">Null when refused.</param>
/// <param name="Account">Who tried, for the AUTH agents and the logs: the address the token or the client named, else "(token)".</param>
/// <param name="Failure">Why the token was refused, in plain words (logged, never sent to the client).</param>
/// <param name="OpenIdConfiguration">The issuer's discovery document, named in OAUTHBEARER's error challenge (RFC 7628 §3.2.2).</param>
public sealed record BearerTokenResult(SubmissionIdentity? Identity, string Account, string? Failure, string? OpenIdConfiguration)
{
    public static BearerTokenResult Refused(string account, string failure, string? openIdConfiguration) => new(null, account, failure, openIdConfiguration);
}
