using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Mailflow.DomainHealth;
using Mailflow.Server.Transport.Authentication.DomainHealth;
using Mailflow.Server.Transport.Authentication.Spf;
using Mailflow.TestSupport;

namespace Mailflow.Server.Tests.Authentication;

/// <summary>
/// The parts of domain health that need more than a zone: the SPF lookup count of a whole include
/// tree (loops, redirects, macros), and MTA-STS policies fetched over real HTTPS from a loopback server
/// with a certificate from the test's own authority.
/// </summary>
public sealed class DomainHealthPartsTests : AuthenticationDnsTest
{
    private DomainHealthDns HealthDns() => new(Dns());

    private async Task<SpfLookupCount> CountAsync(string domain) =>
        await new SpfLookupCounter(Dns()).CountAsync(domain, SpfRecord.Parse((await Dns().TxtAsync(domain, CancellationToken.None)).Records.Single(SpfRecord.IsSpfRecord)), CancellationToken.None);

    [Fact]
    public async Task Spf_lookups_count_every_include_and_redirect_and_a_loop_is_over_the_limit()
    {
        Zone.Txt("tree.test", "v=spf1 include:one.test exists:%{i}.rbl.test redirect=two.test")
            .Txt("one.test", "v=spf1 a mx:mail.one.test ip4:192.0.2.0/24 -all").A("one.test", "192.0.2.1").Mx("mail.one.test", 10, "mx.one.test")
            .Txt("two.test", "v=spf1 include:gone.test -all");

        var tree = await CountAsync("tree.test");

        // include (1) + a, mx (2) + exists with a macro (1, not followed) + redirect (1) + include:gone (1) = 6.
        Assert.Equal(6, tree.Lookups);
        Assert.Equal(1, tree.VoidLookups);
        Assert.Contains(tree.Problems, p => p.Contains("gone.test publishes no SPF record", StringComparison.Ordinal));
        Assert.Equal(["include:one.test: 3 lookups", "redirect=two.test: 2 lookups"], tree.Tree);

        Zone.Txt("loop-a.test", "v=spf1 include:loop-b.test -all").Txt("loop-b.test", "v=spf1 include:loop-a.test -all");
        var loop = await CountAsync("loop-a.test");
        Assert.True(loop.Lookups > SpfEvaluator.MaxDnsLookups);
        Assert.Contains(loop.Problems, p => p.Contains("loops back to loop-a.test", StringComparison.Ordinal));
    }

    [Fact]
    public void Mta_sts_policy_parses_and_matches_one_wildcard_label()
    {
        var policy = MtaStsPolicy.Parse("version: STSv1\r\nmode: enforce\r\nmx: mail.contoso.test\r\nmx: *.backup.contoso.test\r\nmax_age: 604800\r\n");
        Assert.Equal((MtaStsMode.Enforce, 604800L), (policy.Mode, policy.MaxAgeSeconds));
        Assert.True(policy.Matches("MAIL.contoso.test."));
        Assert.True(policy.Matches("mx2.backup.contoso.test"));
        Assert.False(policy.Matches("a.b.backup.contoso.test"));
        Assert.False(policy.Matches("backup.contoso.test"));
        Assert.Throws<FormatException>(() => MtaStsPolicy.Parse("version: STSv1\nmode: enforce\nmax_age: 86400\n")); // no mx
        Assert.Throws<FormatException>(() => MtaStsPolicy.Parse("version: STSv1\nmode: strict\nmx: a.test\nmax_age: 86400\n"));
    }

    [Theory]
    [InlineData("mode: enforce\nmx: mx1.contoso.test\nmx: mx2.contoso.test", "mta-sts.contoso.test", DomainHealthStatus.Ok, "MTA-STS enforced")]
    [InlineData("mode: testing\nmx: *.contoso.test", "mta-sts.contoso.test", DomainHealthStatus.Warn, "MTA-STS in testing mode")]
    [InlineData("mode: enforce\nmx: mx1.contoso.test", "mta-sts.contoso.test", DomainHealthStatus.Fail, "MTA-STS policy does not cover every MX host")]
    [InlineData("mode: enforce\nmx: *.contoso.test", "www.contoso.test", DomainHealthStatus.Fail, "MTA-STS policy cannot be fetched")]
    public async Task Mta_sts_policy_is_fetched_over_https_with_a_valid_certificate_and_must_cover_the_mx_hosts(string policy, string certificateName, DomainHealthStatus status, string title)
    {
        using var authority = TestCertificates.CreateAuthority("Domain health test CA");
        using var certificate = TestCertificates.Create(certificateName, issuer: authority);
        await using var https = LoopbackHttpsServer.Start(certificate, "version: STSv1\n" + policy + "\nmax_age: 604800\n");
        Zone.Txt("_mta-sts.contoso.test", "v=STSv1; id=20261207T1")
            .A("mta-sts.contoso.test", "127.0.0.1")
            .Mx("contoso.test", 10, "mx1.contoso.test").Mx("contoso.test", 20, "mx2.contoso.test");
        using var fetcher = new MtaStsPolicyFetcher(HealthDns(), TimeSpan.FromSeconds(5), https.Port, TrustOnly(authority));
        var check = new TransportSecurityHealthCheck(HealthDns(), fetcher, TimeProvider.System);

        var result = await check.CheckMtaStsAsync("contoso.test", CancellationToken.None);

        Assert.Equal((status, title), (result.Status, result.Title));
        if (status != DomainHealthStatus.Fail || title != "MTA-STS policy cannot be fetched")
            Assert.Contains("version: STSv1", result.Found);
        else
            Assert.Contains("certificate", result.Summary, StringComparison.OrdinalIgnoreCase); // a certificate for another name is refused
    }

    /// <summary>Platform validation, except that the test's authority is the only trusted root.</summary>
    private static RemoteCertificateValidationCallback TrustOnly(X509Certificate2 authority) => (_, certificate, _, errors) =>
    {
        if (certificate is null || errors.HasFlag(SslPolicyErrors.RemoteCertificateNameMismatch) || errors.HasFlag(SslPolicyErrors.RemoteCertificateNotAvailable))
            return false;
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(authority);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        return chain.Build(X509CertificateLoader.LoadCertificate(certificate.GetRawCertData()));
    };
}
