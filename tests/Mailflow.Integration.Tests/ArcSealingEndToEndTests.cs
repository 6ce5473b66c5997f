using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;
using Org.BouncyCastle.Security;

namespace Mailflow.Integration.Tests;

/// <summary>
/// ARC sealing end to end: a message already sealed by a forwarder arrives over SMTP, a mail flow rule
/// adds a disclaimer and redirects it outside, and what reaches the loopback SMTP sink carries our ARC
/// set (i=2, cv=pass) that MimeKit's ArcVerifier validates with the published keys.
/// </summary>
public sealed class ArcSealingEndToEndTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncDisposable
{
    private static readonly AdminActor Admin = AdminActor.System;
    private readonly TestStores _stores = new(postgres);
    private readonly LoopbackDnsServer _dns = new();
    private readonly Dictionary<string, AsymmetricKeyParameter> _publicKeys = [];

    public async ValueTask DisposeAsync()
    {
        await _dns.DisposeAsync();
        _stores.Dispose();
    }

    private async Task<MailflowHost> StartAsync(DatabaseProvider provider, LoopbackSmtpServer remote)
    {
        _dns.Txt("fabrikam.test", "v=spf1 -all");
        var host = await SenderAuthenticationHost.StartAsync(_stores, provider, _dns, remote, $"bob@{MailflowHost.DefaultDomain}");
        await host.Get<TransportRuleService>().CreateAsync(Admin, new TransportRule
        {
            Name = "Forward reports with a disclaimer",
            Definition = new RuleDefinition
            {
                Conditions = [new RulePredicate { Kind = "SubjectContainsWords", Values = ["report"] }],
                Actions =
                [
                    new RuleAction { Kind = "ApplyDisclaimer", Arguments = { ["Text"] = "This message was forwarded by Contoso." } },
                    new RuleAction { Kind = "RedirectTo", Arguments = { ["Addresses"] = "carol@remote.test" } },
                ],
            },
        });
        var key = await host.Get<DkimKeyService>().GenerateAsync(Admin, MailflowHost.DefaultDomain, "arc2026", DkimKeyAlgorithm.Rsa2048, enabled: true);
        _dns.Txt(key.DnsRecordName, key.DnsRecordValue);
        _publicKeys[key.DnsRecordName] = PublicKeyFactory.CreateKey(Convert.FromBase64String(key.PublicKey));
        await host.WaitForLatestGenerationAsync();
        return host;
    }

    /// <summary>The message as a mailing list at forwarder.test sealed it before passing it to us.</summary>
    private MimeMessage SealedByForwarder()
    {
        var (_, publicKey, pkcs8) = DkimKeyMaterial.Generate(DkimKeyAlgorithm.Rsa2048);
        _dns.Txt("list._domainkey.forwarder.test", $"v=DKIM1; k=rsa; p={publicKey}");
        _publicKeys["list._domainkey.forwarder.test"] = PublicKeyFactory.CreateKey(Convert.FromBase64String(publicKey));
        var message = new MimeMessage
        {
            From = { MailboxAddress.Parse("alice@fabrikam.test") },
            To = { MailboxAddress.Parse($"bob@{MailflowHost.DefaultDomain}") },
            Subject = "Monthly report",
            MessageId = "arc-e2e-1@fabrikam.test",
            Body = new TextPart("plain") { Text = "The figures are attached.\r\n" },
        };
        message.Prepare(EncodingConstraint.SevenBit);
        new ForwarderSealer(PrivateKeyFactory.CreateKey(pkcs8)).Sign(message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.MessageId]);
        return message;
    }

    private sealed class ForwarderSealer(AsymmetricKeyParameter key) : ArcSigner(key, "forwarder.test", "list", DkimSignatureAlgorithm.RsaSha256)
    {
        protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
        {
            var results = new AuthenticationResults("lists.forwarder.test");
            results.Results.Add(new AuthenticationMethodResult("spf", "pass"));
            return results;
        }

        protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) =>
            Task.FromResult(GenerateArcAuthenticationResults(options, message, cancellationToken));
    }

    /// <summary>An independent look-up of the published keys for MimeKit's verifier.</summary>
    private sealed class PublishedKeys(IReadOnlyDictionary<string, AsymmetricKeyParameter> keys) : IDkimPublicKeyLocator
    {
        public AsymmetricKeyParameter LocatePublicKey(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            keys[$"{selector}._domainkey.{domain}"];

        public Task<AsymmetricKeyParameter> LocatePublicKeyAsync(string methods, string domain, string selector, CancellationToken cancellationToken = default) =>
            Task.FromResult(LocatePublicKey(methods, domain, selector, cancellationToken));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Redirected_message_with_a_disclaimer_carries_our_arc_set_that_verifies(DatabaseProvider provider)
    {
        await using var remote = LoopbackSmtpServer.Start();
        await using var host = await StartAsync(provider, remote);

        await SenderAuthenticationHost.SendAsync(host, SealedByForwarder());

        var delivered = Assert.Single(await remote.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal(["carol@remote.test"], delivered.Recipients);
        var message = MimeMessage.Load(new MemoryStream(delivered.Data));
        Assert.Contains("This message was forwarded by Contoso.", message.TextBody);

        var validation = await new ArcVerifier(new PublishedKeys(_publicKeys)).VerifyAsync(message);
        Assert.Equal(ArcSignatureValidationResult.Pass, validation.Chain);
        Assert.Equal(2, validation.Seals?.Length);
        var seal = message.Headers[HeaderId.ArcSeal];
        Assert.Contains("i=2", seal);
        Assert.Contains("cv=pass", seal);
        Assert.Contains($"d={MailflowHost.DefaultDomain}", seal);
        // Our ARC-Authentication-Results carry the verdicts of our receive: the forwarder's chain passed.
        var ours = message.Headers.First(h => h.Id == HeaderId.ArcAuthenticationResults).Value;
        Assert.StartsWith("i=2; mx.contoso.test;", Header.Unfold(ours).Trim());
        Assert.Contains("arc=pass", ours);
        Assert.Contains("spf=fail", ours);

        // The disclaimer broke the forwarder's own message signature: without our set the chain would fail.
        message.Headers.RemoveAt(message.Headers.IndexOf(HeaderId.ArcSeal));
        message.Headers.RemoveAt(message.Headers.IndexOf(HeaderId.ArcMessageSignature));
        message.Headers.RemoveAt(message.Headers.IndexOf(HeaderId.ArcAuthenticationResults));
        Assert.Equal(ArcSignatureValidationResult.Fail, (await new ArcVerifier(new PublishedKeys(_publicKeys)).VerifyAsync(message)).Chain);
    }

    [Fact]
    public async Task Nothing_is_sealed_when_arc_sealing_is_off()
    {
        await using var remote = LoopbackSmtpServer.Start();
        await using var host = await StartAsync(DatabaseProvider.Sqlite, remote);
        var settings = host.Get<OrganizationSettingsService>();
        var current = await settings.GetAsync();
        Assert.True(current.ArcSealingEnabled);
        current.ArcSealingEnabled = false;
        await settings.UpdateAsync(Admin, current);
        await host.WaitForLatestGenerationAsync();

        await SenderAuthenticationHost.SendAsync(host, SealedByForwarder());

        var delivered = Assert.Single(await remote.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)));
        var message = MimeMessage.Load(new MemoryStream(delivered.Data));
        Assert.Single(message.Headers, h => h.Id == HeaderId.ArcSeal);
        Assert.Contains("i=1", message.Headers[HeaderId.ArcSeal]);
    }
}
