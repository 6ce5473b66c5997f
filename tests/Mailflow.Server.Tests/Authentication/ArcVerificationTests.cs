using Mailflow.Server.Transport.Authentication;
using Mailflow.Server.Transport.Authentication.Arc;
using Mailflow.Server.Transport.Authentication.Dkim;
using Mailflow.Server.Transport.Authentication.Dmarc;
using Mailflow.Server.Transport.Authentication.PublicSuffix;
using Mailflow.Server.Transport.Authentication.Spf;
using MimeKit;
using MimeKit.Cryptography;
using Org.BouncyCastle.Crypto;

namespace Mailflow.Server.Tests.Authentication;

/// <summary>ARC (RFC 8617) verification of messages sealed by MimeKit's ArcSigner, keys served by the loopback DNS zone.</summary>
public sealed class ArcVerificationTests : AuthenticationDnsTest
{
    public ArcVerificationTests()
    {
        Zone.Txt("arc._domainkey.forwarder.example", DkimTestKeys.Record(DkimTestKeys.Rsa2048.Value));
        Zone.Txt("ed._domainkey.second.example", DkimTestKeys.Record(DkimTestKeys.Ed25519.Value));
    }

    /// <summary>An intermediary's sealer: its ARC-Authentication-Results say what it saw.</summary>
    private sealed class Sealer(AsymmetricKeyParameter key, string domain, string selector, DkimSignatureAlgorithm algorithm) : ArcSigner(key, domain, selector, algorithm)
    {
        protected override AuthenticationResults GenerateArcAuthenticationResults(FormatOptions options, MimeMessage message, CancellationToken cancellationToken)
        {
            var results = new AuthenticationResults(Domain);
            results.Results.Add(new AuthenticationMethodResult("spf", "pass"));
            return results;
        }

        protected override Task<AuthenticationResults> GenerateArcAuthenticationResultsAsync(FormatOptions options, MimeMessage message, CancellationToken cancellationToken) =>
            Task.FromResult(GenerateArcAuthenticationResults(options, message, cancellationToken));
    }

    private static MimeMessage Seal(MimeMessage message, AsymmetricCipherKeyPair pair, string domain, string selector)
    {
        var algorithm = pair.Private is Org.BouncyCastle.Crypto.Parameters.Ed25519PrivateKeyParameters ? DkimSignatureAlgorithm.Ed25519Sha256 : DkimSignatureAlgorithm.RsaSha256;
        var sealer = new Sealer(pair.Private, domain, selector, algorithm)
        {
            HeaderCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
            BodyCanonicalizationAlgorithm = DkimCanonicalizationAlgorithm.Relaxed,
        };
        message.Prepare(EncodingConstraint.SevenBit);
        sealer.Sign(message, [HeaderId.From, HeaderId.To, HeaderId.Subject, HeaderId.Date, HeaderId.MessageId]);
        return message;
    }

    /// <summary>Written out and parsed again, as the message reaches the next hop.</summary>
    private static MimeMessage Reparse(MimeMessage message)
    {
        using var buffer = new MemoryStream();
        message.WriteTo(buffer);
        buffer.Position = 0;
        return MimeMessage.Load(buffer);
    }

    [Fact]
    public async Task A_valid_chain_of_two_sets_passes()
    {
        var message = Seal(DkimTestKeys.Message(), DkimTestKeys.Rsa2048.Value, "forwarder.example", "arc");
        message = Seal(Reparse(message), DkimTestKeys.Ed25519.Value, "second.example", "ed");

        var outcome = await new ArcChainVerifier(Dns()).VerifyAsync(Reparse(message), CancellationToken.None);

        Assert.Equal(ArcResult.Pass, outcome.Result);
        Assert.Equal(2, outcome.Instance);
        Assert.Equal(["forwarder.example", "second.example"], outcome.SealingDomains);
    }

    [Fact]
    public async Task A_body_changed_after_sealing_fails()
    {
        var sealedMessage = Reparse(Seal(DkimTestKeys.Message(), DkimTestKeys.Rsa2048.Value, "forwarder.example", "arc"));
        var text = Assert.IsType<TextPart>(sealedMessage.Body);
        text.Text = "Hello,\r\n\r\nthe invoice is attached; pay to another account.\r\n";

        var outcome = await new ArcChainVerifier(Dns()).VerifyAsync(Reparse(sealedMessage), CancellationToken.None);

        Assert.Equal(ArcResult.Fail, outcome.Result);
        Assert.Contains("changed after it was sealed", outcome.Reason);
    }

    [Fact]
    public async Task A_missing_key_fails_with_the_reason()
    {
        var message = Reparse(Seal(DkimTestKeys.Message(), DkimTestKeys.Rsa2048.Value, "unpublished.example", "arc"));

        var outcome = await new ArcChainVerifier(Dns()).VerifyAsync(message, CancellationToken.None);

        Assert.Equal(ArcResult.Fail, outcome.Result);
        Assert.Contains("arc._domainkey.unpublished.example", outcome.Reason);
    }

    [Fact]
    public async Task A_message_without_a_chain_is_none()
    {
        var outcome = await new ArcChainVerifier(Dns()).VerifyAsync(DkimTestKeys.Message(), CancellationToken.None);

        Assert.Equal(ArcResult.None, outcome.Result);
    }

    [Fact]
    public async Task Sender_authentication_reports_arc_in_the_authentication_results_header()
    {
        var dns = Dns();
        var authenticator = new SenderAuthenticator(new SpfEvaluator(dns, TimeProvider.System, "mx.local.test"), new DkimSignatureVerifier(dns, TimeProvider.System),
            new DmarcEvaluator(dns, new PublicSuffixListProvider(null, TimeProvider.System)), new ArcChainVerifier(dns));
        var sealedMessage = Reparse(Seal(DkimTestKeys.Message(), DkimTestKeys.Rsa2048.Value, "forwarder.example", "arc"));

        var result = await authenticator.AuthenticateAsync(System.Net.IPAddress.Loopback, "forwarder.example", "alice@example.com", sealedMessage, CancellationToken.None);
        var header = AuthenticationResultsHeader.Render("mx.local.test", result);

        Assert.Equal(ArcResult.Pass, result.Arc!.Result);
        Assert.Contains("\r\n\tarc=pass (", header);
    }
}
