using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Server.Transport.Deliver.Tls;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// OAuth submission end to end on both stores: an OpenID Connect issuer the test runs on loopback HTTPS
/// (its own authority; discovery document and JWKS with the test's RSA and EC keys), tokens the test signs,
/// AUTH OAUTHBEARER (RFC 7628) and XOAUTH2 over raw SMTP and through MailKit's SASL mechanisms. A good token
/// signs in as the mailbox its claim names (235) and the mail is delivered; expired, wrong audience, wrong
/// issuer, unknown key, bad signature and an address that is no mailbox get the error challenge and then
/// 535 5.7.8, counted as failed AUTH (the session ends after three).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class OAuthSubmissionWireTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const string Audience = "api://mailflow-smtp";
    private static readonly AdminActor Admin = AdminActor.System;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestStores stores = new(postgres);
    private readonly RSA _rsa = RSA.Create(2048);
    private readonly ECDsa _ec = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly RSA _stranger = RSA.Create(2048);
    private X509Certificate2 _authority = null!;
    private LoopbackHttpsServer _issuerServer = null!;

    private string Issuer => $"https://127.0.0.1:{_issuerServer.Port}";

    public Task InitializeAsync()
    {
        _authority = TestCertificates.CreateAuthority("Mailflow OAuth test authority");
        _issuerServer = LoopbackHttpsServer.Start(TestCertificates.Create("localhost", issuer: _authority, ipAddress: IPAddress.Loopback), "");
        _issuerServer.Routes["/.well-known/openid-configuration"] = JsonSerializer.Serialize(new Dictionary<string, string>
        {
            ["issuer"] = Issuer, ["jwks_uri"] = $"{Issuer}/keys", ["token_endpoint"] = $"{Issuer}/token",
        });
        _issuerServer.Routes["/keys"] = JsonSerializer.Serialize(new { keys = new object[] { RsaJwk(_rsa, "rsa-1"), EcJwk(_ec, "ec-1") } });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _issuerServer.DisposeAsync();
        _authority.Dispose();
        _rsa.Dispose();
        _ec.Dispose();
        _stranger.Dispose();
        stores.Dispose();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task AccessTokens_SignInAsTheMailboxTheirClaimNames_AndBadTokensGet535(DatabaseProvider provider)
    {
        await using var host = MailflowHost.Start(await stores.CreateAsync(provider),
            services: s => s.AddSingleton(new OutboundTlsTrust([_authority], 443)));
        await ConfigureAsync(host);
        var implicitTls = host.PortOf("Client Implicit TLS");

        // Raw OAUTHBEARER with an RS256 token: 235, mail accepted and delivered; send-as still applies.
        await using (var smtp = await RawSmtp.ConnectAsync(implicitTls, implicitTls: true))
        {
            var ehlo = await smtp.SendAsync("EHLO client.contoso.test", "250");
            Assert.Contains("AUTH PLAIN LOGIN OAUTHBEARER XOAUTH2", ehlo);
            await smtp.SendAsync($"AUTH OAUTHBEARER {OAuthBearer("alice@contoso.test", Token(Rsa("rsa-1"), "alice@contoso.test"))}", "235 2.7.0");
            await smtp.SendAsync("MAIL FROM:<bob@contoso.test>", "550 5.7.60");
            await smtp.SendAsync("MAIL FROM:<alice@contoso.test>", "250");
            await smtp.SendAsync("RCPT TO:<bob@contoso.test>", "250");
            Assert.StartsWith("250", await smtp.DataAsync("From: alice@contoso.test\r\nTo: bob@contoso.test\r\nSubject: Raw OAUTHBEARER\r\n\r\nSigned in with a token.\r\n"));
        }
        // Raw XOAUTH2 with an ES256 token whose claim is the mailbox's extra address, the token on its own line after "334 ".
        await using (var smtp = await RawSmtp.ConnectAsync(implicitTls, implicitTls: true))
        {
            await smtp.SendAsync("AUTH XOAUTH2", "334");
            await smtp.SendAsync(XOAuth2("a.smith@contoso.test", Token(Ec("ec-1"), "a.smith@contoso.test")), "235 2.7.0");
        }

        // Each bad token: the mechanism's error challenge, then 535 5.7.8 once the client acknowledged it.
        var bad = new (string Why, string Token)[]
        {
            ("expired", Token(Rsa("rsa-1"), "alice@contoso.test", notBefore: DateTime.UtcNow.AddHours(-3), expires: DateTime.UtcNow.AddHours(-1))),
            ("wrong audience", Token(Rsa("rsa-1"), "alice@contoso.test", audience: "api://someone-else")),
            ("wrong issuer", Token(Rsa("rsa-1"), "alice@contoso.test", issuer: "https://issuer.fabrikam.test")),
            ("unknown key", Token(new SigningCredentials(new RsaSecurityKey(_stranger) { KeyId = "rsa-unknown" }, SecurityAlgorithms.RsaSha256), "alice@contoso.test")),
            ("bad signature", Token(new SigningCredentials(new RsaSecurityKey(_stranger) { KeyId = "rsa-1" }, SecurityAlgorithms.RsaSha256), "alice@contoso.test")),
            ("not a mailbox", Token(Rsa("rsa-1"), "team@contoso.test")),
        };
        foreach (var (why, token) in bad)
        {
            await using var smtp = await RawSmtp.ConnectAsync(implicitTls, implicitTls: true);
            var challenge = await smtp.SendAsync($"AUTH OAUTHBEARER {OAuthBearer(null, token)}", "334 ");
            using var error = JsonDocument.Parse(Convert.FromBase64String(challenge[4..].Trim()));
            Assert.Equal("invalid_token", error.RootElement.GetProperty("status").GetString());
            Assert.Equal($"{Issuer}/.well-known/openid-configuration", error.RootElement.GetProperty("openid-configuration").GetString());
            var reply = await smtp.SendAsync("AQ==", "535");
            Assert.True(reply.StartsWith("535 5.7.8", StringComparison.Ordinal), $"{why}: {reply}");
        }
        await using (var smtp = await RawSmtp.ConnectAsync(implicitTls, implicitTls: true))
        {
            // XOAUTH2's error: Google's JSON, acknowledged with an empty line. A user name that is not the token's is refused too.
            await smtp.SendAsync($"AUTH XOAUTH2 {XOAuth2("bob@contoso.test", Token(Rsa("rsa-1"), "alice@contoso.test"))}", "334 eyJ");
            await smtp.SendAsync("", "535 5.7.8");
            // The second failure in the session is still answered; the third ends it (the AuthFailureLimit agent counts OAuth like passwords).
            await smtp.SendAsync($"AUTH OAUTHBEARER {OAuthBearer(null, bad[0].Token)}", "334 ");
            await smtp.SendAsync("AQ==", "535 5.7.8");
            await smtp.SendAsync($"AUTH OAUTHBEARER {OAuthBearer(null, bad[1].Token)}", "334 ");
            await smtp.SendAsync("AQ==", "535 5.7.8");
            Assert.StartsWith("421 4.7.0", await smtp.ReadReplyAsync());
        }
        // Before TLS the mechanisms are neither offered nor usable.
        await using (var smtp = await RawSmtp.ConnectAsync(host.PortOf("Client Frontend")))
        {
            Assert.DoesNotContain("OAUTHBEARER", await smtp.SendAsync("EHLO client.contoso.test", "250"));
            await smtp.SendAsync($"AUTH OAUTHBEARER {OAuthBearer(null, Token(Rsa("rsa-1"), "alice@contoso.test"))}", "538 5.7.11");
        }

        // MailKit's OAUTHBEARER and XOAUTH2 after STARTTLS; a bad token is an AuthenticationException.
        using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
            await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(new SaslMechanismOAuthBearer("alice@contoso.test", bad[2].Token)));
            await client.AuthenticateAsync(new SaslMechanismOAuthBearer("alice@contoso.test", Token(Ec("ec-1"), "alice@contoso.test")));
            await client.SendAsync(Message("MailKit OAUTHBEARER"));
            await client.DisconnectAsync(true);
        }
        using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
            await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(new SaslMechanismOAuth2("alice@contoso.test", bad[0].Token)));
            await client.AuthenticateAsync(new SaslMechanismOAuth2("alice@contoso.test", Token(Rsa("rsa-1"), "alice@contoso.test")));
            await client.SendAsync(Message("MailKit XOAUTH2"));
            await client.DisconnectAsync(true);
        }

        var delivered = await MaildirAsync(host, "bob@contoso.test", 3);
        Assert.Equal(["MailKit OAUTHBEARER", "MailKit XOAUTH2", "Raw OAUTHBEARER"], delivered.Select(m => m.Subject).Order(StringComparer.Ordinal));
        Assert.True(_issuerServer.RouteRequests["/keys"] >= 1);
        Assert.Equal(_issuerServer.RouteRequests["/keys"], _issuerServer.RouteRequests["/.well-known/openid-configuration"]); // the key set is found through discovery each time

        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var refusals = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.Kind == MessageTrackingEventKind.Agent && e.Detail != null).Select(e => e.Detail!).ToListAsync();
        Assert.Contains(refusals, d => d.Contains("AUTH OAUTHBEARER failed", StringComparison.Ordinal));
        Assert.Contains(refusals, d => d.Contains("AUTH XOAUTH2 failed", StringComparison.Ordinal));
    }

    private async Task ConfigureAsync(MailflowHost host)
    {
        var recipients = host.Get<RecipientService>();
        var alice = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "alice@contoso.test", ExtraAddresses = ["a.smith@contoso.test"] });
        var bob = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "bob@contoso.test" });
        await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.DistributionGroup, PrimaryAddress = "team@contoso.test", MemberIds = [alice.Id, bob.Id] });
        var settings = host.Get<OrganizationSettingsService>();
        var organization = await settings.GetAsync();
        organization.OAuthIssuer = Issuer;
        organization.OAuthAudience = Audience;
        await settings.UpdateAsync(Admin, organization);
        var connectors = host.Get<ReceiveConnectorService>();
        foreach (var connector in (await connectors.ListAsync()).Where(c => c.Name.StartsWith("Client", StringComparison.Ordinal)))
        {
            connector.AuthMechanisms |= ReceiveAuthMechanisms.OAuth;
            connector.TarpitIntervalMilliseconds = 0; // refusals are the point here: no 5 s wait before each
            await connectors.UpdateAsync(Admin, connector);
        }
        await host.WaitForLatestGenerationAsync();
    }

    private SigningCredentials Rsa(string keyId) => new(new RsaSecurityKey(_rsa) { KeyId = keyId }, SecurityAlgorithms.RsaSha256);

    private SigningCredentials Ec(string keyId) => new(new ECDsaSecurityKey(_ec) { KeyId = keyId }, SecurityAlgorithms.EcdsaSha256);

    private string Token(SigningCredentials credentials, string email, string? audience = null, string? issuer = null, DateTime? notBefore = null, DateTime? expires = null) =>
        new JsonWebTokenHandler().CreateToken(new SecurityTokenDescriptor
        {
            Issuer = issuer ?? Issuer,
            Audience = audience ?? Audience,
            IssuedAt = notBefore ?? DateTime.UtcNow.AddMinutes(-1),
            NotBefore = notBefore ?? DateTime.UtcNow.AddMinutes(-1),
            Expires = expires ?? DateTime.UtcNow.AddMinutes(30),
            Claims = new Dictionary<string, object> { ["email"] = email, ["sub"] = Guid.NewGuid().ToString() },
            SigningCredentials = credentials,
        });

    /// <summary>RFC 7628 §3.1 as MailKit writes it: gs2 header, host, port, auth.</summary>
    private static string OAuthBearer(string? user, string token) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"n,{(user is null ? "" : "a=" + user)},\u0001host=127.0.0.1\u0001port=465\u0001auth=Bearer {token}\u0001\u0001"));

    private static string XOAuth2(string user, string token) =>
        Convert.ToBase64String(Encoding.UTF8.GetBytes($"user={user}\u0001auth=Bearer {token}\u0001\u0001"));

    private static object RsaJwk(RSA rsa, string keyId)
    {
        var key = rsa.ExportParameters(false);
        return new Dictionary<string, string>
        {
            ["kty"] = "RSA", ["use"] = "sig", ["alg"] = "RS256", ["kid"] = keyId,
            ["n"] = Base64UrlEncoder.Encode(key.Modulus!), ["e"] = Base64UrlEncoder.Encode(key.Exponent!),
        };
    }

    private static object EcJwk(ECDsa ec, string keyId)
    {
        var key = ec.ExportParameters(false);
        return new Dictionary<string, string>
        {
            ["kty"] = "EC", ["use"] = "sig", ["alg"] = "ES256", ["kid"] = keyId, ["crv"] = "P-256",
            ["x"] = Base64UrlEncoder.Encode(key.Q.X!), ["y"] = Base64UrlEncoder.Encode(key.Q.Y!),
        };
    }

    private static MimeMessage Message(string subject)
    {
        var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = "Signed in with a token." } };
        message.From.Add(MailboxAddress.Parse("alice@contoso.test"));
        message.To.Add(MailboxAddress.Parse("bob@contoso.test"));
        return message;
    }

    private static async Task<List<MimeMessage>> MaildirAsync(MailflowHost host, string address, int count)
    {
        var folder = Path.Combine(host.DataDirectory, "maildir", address, "new");
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(folder) && Directory.GetFiles(folder).Length >= count)
            {
                await Task.Delay(300); // anything beyond the expected count would show up now
                return [.. Directory.GetFiles(folder).Select(f => MimeMessage.Load(f))];
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{count} message(s) did not arrive in {folder}");
    }
}
