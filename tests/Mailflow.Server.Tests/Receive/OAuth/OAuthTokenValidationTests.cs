using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Receive.OAuth;
using Mailflow.Server.Transport.Receive.Session;
using Microsoft.Extensions.Time.Testing;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Mailflow.Server.Tests.Receive.OAuth;

/// <summary>
/// The issuer's key cache and the SASL messages without sockets: a key id the cache does not know makes it
/// fetch the key set again (the issuer rotated its keys), but not more often than once per
/// <see cref="OidcSigningKeys.MinRefreshInterval"/>; OAUTHBEARER's gs2 header and XOAUTH2's fields parse as
/// MailKit, Thunderbird and Outlook send them.
/// </summary>
public sealed class OAuthTokenValidationTests : IDisposable
{
    private const string Issuer = "https://login.contoso.test/tenant/v2.0";
    private readonly RSA _first = RSA.Create(2048);
    private readonly RSA _second = RSA.Create(2048);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);
    private readonly IssuerHandler _issuer = new();
    private readonly OrganizationSettings _settings = new() { OAuthIssuer = Issuer, OAuthAudience = "api://mailflow" };

    public void Dispose()
    {
        _first.Dispose();
        _second.Dispose();
    }

    [Fact]
    public async Task UnknownKeyId_RefetchesTheKeySet_AtMostOncePerInterval()
    {
        _issuer.Keys = [Jwk(_first, "k1")];
        var keys = new OidcSigningKeys(new HttpClient(_issuer), _time);
        var validator = new AccessTokenValidator(keys);

        Assert.Equal(("alice@contoso.test", null), await validator.ValidateAsync(Token(_first, "k1"), _settings, CancellationToken.None));
        Assert.Equal(1, keys.Fetches);

        // The issuer rotates to k2 a moment later: the first k2 token is still too soon after the last fetch.
        _issuer.Keys = [Jwk(_first, "k1"), Jwk(_second, "k2")];
        var (address, failure) = await validator.ValidateAsync(Token(_second, "k2"), _settings, CancellationToken.None);
        Assert.Null(address);
        Assert.Equal("the access token is signed with a key the issuer does not publish", failure);
        Assert.Equal(1, keys.Fetches);

        _time.Advance(OidcSigningKeys.MinRefreshInterval);
        Assert.Equal(("alice@contoso.test", null), await validator.ValidateAsync(Token(_second, "k2"), _settings, CancellationToken.None));
        Assert.Equal(2, keys.Fetches);
        Assert.Equal(("alice@contoso.test", null), await validator.ValidateAsync(Token(_second, "k2"), _settings, CancellationToken.None));
        Assert.Equal(2, keys.Fetches); // cached
    }

    [Fact]
    public async Task AnIssuerWithoutJwksUri_IsUnavailable_NotARefusal()
    {
        _issuer.Discovery = "{\"issuer\":\"" + Issuer + "\"}";
        var validator = new AccessTokenValidator(new OidcSigningKeys(new HttpClient(_issuer), _time));
        await Assert.ThrowsAsync<OidcUnavailableException>(() => validator.ValidateAsync(Token(_first, "k1"), _settings, CancellationToken.None));
    }

    [Fact]
    public async Task AnotherAddressClaim_IsRead_WhenConfigured()
    {
        _issuer.Keys = [Jwk(_first, "k1")];
        var validator = new AccessTokenValidator(new OidcSigningKeys(new HttpClient(_issuer), _time));
        _settings.OAuthAddressClaim = OAuthAddressClaims.PreferredUserName;
        Assert.Equal(("a.smith@contoso.test", null), await validator.ValidateAsync(Token(_first, "k1"), _settings, CancellationToken.None));
        _settings.OAuthAddressClaim = OAuthAddressClaims.Upn;
        Assert.Equal((null, "the token has no 'upn' claim"), await validator.ValidateAsync(Token(_first, "k1"), _settings, CancellationToken.None));
    }

    [Theory]
    [InlineData("n,a=alice@contoso.test,\u0001host=mx\u0001port=587\u0001auth=Bearer abc.def.ghi\u0001\u0001", "alice@contoso.test", "abc.def.ghi")]
    [InlineData("n,,\u0001auth=bearer abc.def.ghi\u0001\u0001", null, "abc.def.ghi")]
    [InlineData("y,a=odd=2Cname=3Dx@contoso.test,\u0001auth=Bearer t\u0001\u0001", "odd,name=x@contoso.test", "t")]
    public void OAuthBearer_Parses_TheGs2HeaderAndTheToken(string message, string? user, string token)
    {
        Assert.True(OAuthSaslMessage.TryParseOAuthBearer(Encoding.UTF8.GetBytes(message), out var parsedUser, out var parsedToken));
        Assert.Equal(user, parsedUser);
        Assert.Equal(token, parsedToken);
    }

    [Theory]
    [InlineData("n,\u0001auth=Bearer t\u0001\u0001")]                 // gs2 header without its second comma
    [InlineData("p=tls-unique,,\u0001auth=Bearer t\u0001\u0001")]     // channel binding: not offered
    [InlineData("n,,\u0001auth=Basic dXNlcg==\u0001\u0001")]          // not a bearer token
    [InlineData("n,,\u0001host=mx\u0001\u0001")]                      // no auth at all
    [InlineData("n,,\u0001auth=Bearer t\u0001")]                      // not closed by two separators
    public void OAuthBearer_Refuses_MalformedMessages(string message) =>
        Assert.False(OAuthSaslMessage.TryParseOAuthBearer(Encoding.UTF8.GetBytes(message), out _, out _));

    [Fact]
    public void XOAuth2_Parses_UserAndToken_AndItsErrorIsGooglesJson()
    {
        Assert.True(OAuthSaslMessage.TryParseXOAuth2(Encoding.UTF8.GetBytes("user=alice@contoso.test\u0001auth=Bearer ya29.token\u0001\u0001"), out var user, out var token));
        Assert.Equal(("alice@contoso.test", "ya29.token"), (user, token));
        Assert.False(OAuthSaslMessage.TryParseXOAuth2(Encoding.UTF8.GetBytes("auth=Bearer ya29.token\u0001\u0001"), out _, out _));
        var error = OAuthSaslMessage.XOAuth2Error();
        Assert.Equal(334, error.Code);
        using var json = JsonDocument.Parse(Convert.FromBase64String(error.Text));
        Assert.Equal("401", json.RootElement.GetProperty("status").GetString());
    }

    private string Token(RSA key, string keyId) => new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
    {
        Issuer = Issuer,
        Audience = "api://mailflow",
        IssuedAt = _time.GetUtcNow().UtcDateTime.AddMinutes(-1),
        NotBefore = _time.GetUtcNow().UtcDateTime.AddMinutes(-1),
        Expires = _time.GetUtcNow().UtcDateTime.AddHours(1),
        Claims = new Dictionary<string, object> { ["email"] = "alice@contoso.test", ["preferred_username"] = "a.smith@contoso.test" },
        SigningCredentials = new SigningCredentials(new RsaSecurityKey(key) { KeyId = keyId }, SecurityAlgorithms.RsaSha256),
    });

    private static Dictionary<string, string> Jwk(RSA rsa, string keyId)
    {
        var key = rsa.ExportParameters(false);
        return new() { ["kty"] = "RSA", ["kid"] = keyId, ["use"] = "sig", ["n"] = Base64UrlEncoder.Encode(key.Modulus!), ["e"] = Base64UrlEncoder.Encode(key.Exponent!) };
    }

    /// <summary>The issuer's two documents, in memory: discovery and the current key set.</summary>
    private sealed class IssuerHandler : HttpMessageHandler
    {
        public string Discovery { get; set; } = "{\"issuer\":\"" + Issuer + "\",\"jwks_uri\":\"https://login.contoso.test/tenant/keys\"}";
        public List<Dictionary<string, string>> Keys { get; set; } = [];

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK)
            {
                Content = new StringContent(request.RequestUri!.AbsolutePath.EndsWith("/keys", StringComparison.Ordinal)
                    ? JsonSerializer.Serialize(new { keys = Keys })
                    : Discovery),
            });
    }
}
