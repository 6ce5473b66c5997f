using Mailflow.Configuration;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mailflow.Server.Transport.Receive.OAuth;

/// <summary>
/// Validates a JWT access token (RFC 9068 profile, as Entra ID, Google, Keycloak and others issue them)
/// against the organization's OAuth settings: signature with one of the issuer's published keys (RS*,
/// PS*, ES* — never "none" or HMAC, which would let anyone who knows a shared secret mint tokens), iss,
/// aud, exp and nbf with the configured clock skew, and the address claim. An unknown key id asks
/// <see cref="OidcSigningKeys"/> for a refresh once.
/// </summary>
public sealed class AccessTokenValidator(OidcSigningKeys keys)
{
    private static readonly string[] AsymmetricAlgorithms =
    [
        SecurityAlgorithms.RsaSha256, SecurityAlgorithms.RsaSha384, SecurityAlgorithms.RsaSha512,
        SecurityAlgorithms.RsaSsaPssSha256, SecurityAlgorithms.RsaSsaPssSha384, SecurityAlgorithms.RsaSsaPssSha512,
        SecurityAlgorithms.EcdsaSha256, SecurityAlgorithms.EcdsaSha384, SecurityAlgorithms.EcdsaSha512,
    ];

    private readonly JsonWebTokenHandler _handler = new() { MapInboundClaims = false };

    /// <returns>The address the token's claim names, or why the token is refused.</returns>
    /// <exception cref="OidcUnavailableException">The issuer's keys could not be fetched.</exception>
    public async Task<(string? Address, string? Failure)> ValidateAsync(string token, OrganizationSettings settings, CancellationToken cancellationToken)
    {
        if (!_handler.CanReadToken(token))
            return (null, "the access token is not a JWT");
        var result = await ValidateWithAsync(token, settings, await keys.GetAsync(settings.OAuthIssuer, refresh: false, cancellationToken));
        if (result.Exception is SecurityTokenSignatureKeyNotFoundException)
            result = await ValidateWithAsync(token, settings, await keys.GetAsync(settings.OAuthIssuer, refresh: true, cancellationToken));
        if (!result.IsValid)
            return (null, Explain(result.Exception));
        if (!result.Claims.TryGetValue(settings.OAuthAddressClaim, out var value) || value is not string address || string.IsNullOrWhiteSpace(address))
            return (null, $"the token has no '{settings.OAuthAddressClaim}' claim");
        return (address.Trim(), null);
    }

    private Task<TokenValidationResult> ValidateWithAsync(string token, OrganizationSettings settings, IReadOnlyList<SecurityKey> signingKeys) =>
        _handler.ValidateTokenAsync(token, new TokenValidationParameters
        {
            ValidIssuer = settings.OAuthIssuer,
            ValidAudience = settings.OAuthAudience,
            IssuerSigningKeys = signingKeys,
            ValidAlgorithms = AsymmetricAlgorithms,
            ClockSkew = TimeSpan.FromSeconds(settings.OAuthClockSkewSeconds),
            RequireExpirationTime = true,
            RequireSignedTokens = true,
            ValidateIssuerSigningKey = true,
            // A key id names one key: trying every key would hide a rotation and cost a verification per key.
            TryAllIssuerSigningKeys = false,
        });

    private static string Explain(Exception? exception) => exception switch
    {
        SecurityTokenExpiredException => "the access token has expired",
        SecurityTokenNotYetValidException => "the access token is not valid yet (nbf)",
        SecurityTokenInvalidAudienceException => "the access token is for another audience",
        SecurityTokenInvalidIssuerException => "the access token is from another issuer",
        SecurityTokenSignatureKeyNotFoundException => "the access token is signed with a key the issuer does not publish",
        SecurityTokenInvalidAlgorithmException => "the access token is signed with an algorithm Mailflow does not accept",
        SecurityTokenInvalidSignatureException => "the access token's signature is wrong",
        SecurityTokenNoExpirationException => "the access token has no expiry",
        SecurityTokenMalformedException => "the access token is malformed",
        null => "the access token is not valid",
        _ => $"the access token is not valid ({exception.GetType().Name})",
    };
}
