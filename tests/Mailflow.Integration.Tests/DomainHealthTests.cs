using Mailflow.Configuration;
using Mailflow.Configuration.Doctor;
using Mailflow.Data;
using Mailflow.DomainHealth;
using Mailflow.Server.Transport.Authentication.DomainHealth;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Integration.Tests;

/// <summary>
/// Domain health through the real server, its DNS a loopback zone with deliberate mistakes:
/// contoso.test (the default domain, node mx.contoso.test at 192.0.2.10) has no MX, an SPF record
/// that needs 11 lookups (yet passes for our own address, listed first), a DKIM record with another
/// key than the one we sign with, two DMARC records, an MTA-STS record whose policy cannot be fetched
/// and no TLS-RPT; its node's PTR names a host that does not resolve back. fabrikam.test is sound
/// except that it has no DMARC record and no DKIM key. Each verdict is asserted, and the reports are
/// stored on both stores.
/// </summary>
public sealed class DomainHealthTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncDisposable
{
    private const string Node = "mx.contoso.test";
    private const string NodeAddress = "192.0.2.10";
    private readonly TestStores _stores = new(postgres);
    private readonly LoopbackDnsServer _dns = new();

    public async ValueTask DisposeAsync()
    {
        await _dns.DisposeAsync();
        _stores.Dispose();
    }

    private async Task<(MailflowHost Host, DkimSigningKey Key, DkimSigningKey Other)> StartAsync(DatabaseProvider provider)
    {
        var host = MailflowHost.Start(await _stores.CreateAsync(provider), new Dictionary<string, string?>
        {
            ["Mailflow:Dns:Servers:0"] = $"127.0.0.1:{_dns.EndPoint.Port}",
            ["Mailflow:Dns:TimeoutMilliseconds"] = "2000",
            ["Mailflow:DomainHealth:MtaStsTimeoutSeconds"] = "3",
        });
        await host.Get<AcceptedDomainService>().CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "fabrikam.test" });
        var keys = host.Get<DkimKeyService>();
        var key = await keys.GenerateAsync(AdminActor.System, MailflowHost.DefaultDomain, "mf1", DkimKeyAlgorithm.Ed25519, enabled: true);
        var other = await keys.GenerateAsync(AdminActor.System, MailflowHost.DefaultDomain, "spare", DkimKeyAlgorithm.Ed25519);
        await host.WaitForLatestGenerationAsync();

        _dns.A(Node, NodeAddress)
            .Ptr(NodeAddress, "host-10.isp.example")
            .A("host-10.isp.example", "198.51.100.99")
            // contoso.test: no MX; SPF = include (1) + 9 a: inside + a:h10 = 11 lookups.
            .Txt("contoso.test", "v=spf1 ip4:192.0.2.10 include:_spf.contoso.test a:h10.contoso.test -all")
            .Txt("_spf.contoso.test", "v=spf1 " + string.Join(" ", Enumerable.Range(1, 9).Select(i => $"a:h{i}.contoso.test")) + " -all")
            .Txt("mf1._domainkey.contoso.test", other.DnsRecordValue)
            .Txt("_dmarc.contoso.test", "v=DMARC1; p=reject; rua=mailto:dmarc@contoso.test")
            .Txt("_dmarc.contoso.test", "v=DMARC1; p=none")
            .Txt("_mta-sts.contoso.test", "v=STSv1; id=2026120701")
            .A("mta-sts.contoso.test", "127.0.0.1")
            // fabrikam.test: right except DMARC (none) and DKIM (no key).
            .Mx("fabrikam.test", 10, Node)
            .Txt("fabrikam.test", "v=spf1 ip4:192.0.2.10 -all")
            .Txt("_smtp._tls.fabrikam.test", "v=TLSRPTv1; rua=mailto:tls@fabrikam.test");
        for (var i = 1; i <= 10; i++)
            _dns.A($"h{i}.contoso.test", $"198.51.100.{i}");
        return (host, key, other);
    }

    private static DomainHealthCheck Check(DomainHealthReport report, string id) =>
        report.Checks.SingleOrDefault(c => c.Id == id) ?? throw new Xunit.Sdk.XunitException($"No check {id} in {string.Join(", ", report.Checks.Select(c => c.Id))}");

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Each_mistake_in_the_zone_gets_its_verdict_and_the_record_to_publish_and_the_reports_are_stored(DatabaseProvider provider)
    {
        var (host, key, other) = await StartAsync(provider);
        await using var _ = host;
        var checker = host.Get<IDomainHealthChecker>();

        var contoso = (await checker.CheckNowAsync("Contoso.Test."))!;

        Assert.Equal(DomainHealthStatus.Fail, contoso.Status);
        var mx = Check(contoso, MxHealthCheck.Id);
        Assert.Equal((DomainHealthStatus.Fail, "contoso.test. MX 10 mx.contoso.test."), (mx.Status, mx.FixRecord));

        var spf = Check(contoso, SpfHealthCheck.RecordId);
        Assert.Equal(DomainHealthStatus.Ok, spf.Status);
        var lookups = Check(contoso, SpfHealthCheck.LookupsId);
        Assert.Equal((DomainHealthStatus.Fail, "SPF needs 11 DNS lookups (limit 10)"), (lookups.Status, lookups.Title));
        Assert.Contains("include:_spf.contoso.test: 10 lookups", lookups.Found);
        // The evaluator stops at ip4:, the first term: our own address passes although the record is over the limit.
        var senders = Check(contoso, SpfHealthCheck.SendersId);
        Assert.Equal(DomainHealthStatus.Ok, senders.Status);
        Assert.Contains("192.0.2.10 (mx.contoso.test, node node-it): pass", senders.Found);

        var dkim = Check(contoso, DkimHealthCheck.Id(key));
        Assert.Equal(DomainHealthStatus.Fail, dkim.Status);
        Assert.Contains("different", dkim.Summary);
        Assert.Equal(other.DnsRecordValue, dkim.Found);
        Assert.Equal($"mf1._domainkey.contoso.test. TXT \"{key.DnsRecordValue}\"", dkim.FixRecord);
        Assert.DoesNotContain(contoso.Checks, c => c.Id == DkimHealthCheck.Id(other)); // a disabled key is nobody's business in DNS

        var dmarc = Check(contoso, DmarcHealthCheck.Id);
        Assert.Equal((DomainHealthStatus.Fail, "Several DMARC records"), (dmarc.Status, dmarc.Title));

        var mtaSts = Check(contoso, TransportSecurityHealthCheck.MtaStsId);
        Assert.Equal((DomainHealthStatus.Fail, "MTA-STS policy cannot be fetched"), (mtaSts.Status, mtaSts.Title));
        Assert.Contains("https://mta-sts.contoso.test/.well-known/mta-sts.txt", mtaSts.Summary);
        var tlsRpt = Check(contoso, TransportSecurityHealthCheck.TlsRptId);
        Assert.Equal((DomainHealthStatus.Warn, "_smtp._tls.contoso.test. TXT \"v=TLSRPTv1; rua=mailto:tls-reports@contoso.test\""), (tlsRpt.Status, tlsRpt.FixRecord));

        var ptr = Check(contoso, "ptr:192.0.2.10");
        Assert.Equal(DomainHealthStatus.Fail, ptr.Status);
        Assert.Contains("does not resolve back", ptr.Summary);
        Assert.Equal("10.2.0.192.in-addr.arpa. PTR mx.contoso.test.", ptr.FixRecord);

        var fabrikam = (await checker.CheckNowAsync("fabrikam.test"))!;
        Assert.Equal(DomainHealthStatus.Ok, Check(fabrikam, MxHealthCheck.Id).Status);
        Assert.Equal([DomainHealthStatus.Ok, DomainHealthStatus.Ok, DomainHealthStatus.Ok],
            new[] { SpfHealthCheck.RecordId, SpfHealthCheck.LookupsId, SpfHealthCheck.SendersId }.Select(id => Check(fabrikam, id).Status));
        Assert.Equal("SPF lookups: 0 of 10", Check(fabrikam, SpfHealthCheck.LookupsId).Title);
        var noDmarc = Check(fabrikam, DmarcHealthCheck.Id);
        Assert.Equal((DomainHealthStatus.Fail, "_dmarc.fabrikam.test. TXT \"v=DMARC1; p=none; rua=mailto:dmarc@fabrikam.test\""), (noDmarc.Status, noDmarc.FixRecord));
        Assert.Equal(DomainHealthStatus.Warn, Check(fabrikam, DkimHealthCheck.NoKeyId).Status);
        Assert.Equal(DomainHealthStatus.Warn, Check(fabrikam, TransportSecurityHealthCheck.MtaStsId).Status);
        Assert.Equal(DomainHealthStatus.Ok, Check(fabrikam, TransportSecurityHealthCheck.TlsRptId).Status);
        Assert.Null(await checker.CheckNowAsync("gmail.com")); // not ours

        // Stored: the same reports read back from the store, and the doctor names both domains with a link.
        var stored = await host.Get<DomainHealthService>().ListAsync();
        Assert.Equal(["contoso.test", "fabrikam.test"], stored.Select(r => r.Domain));
        Assert.Equal(contoso.Checks, stored[0].Checks);
        Assert.Equal((DomainHealthStatus.Fail, "node-it"), (stored[0].Status, stored[0].CheckedBy));
        await using (var db = TestStores.OpenContext(host.Get<StoreSettings>()))
            Assert.Equal(2, await db.DomainHealthReports.CountAsync());
        var findings = DomainHealthDoctor.Examine(stored);
        Assert.Equal(["contoso.test", "fabrikam.test"], findings.Select(f => f.Subject));
        Assert.Equal("mail-flow/domain-health/contoso.test", findings[0].FixPath);
        Assert.Contains("SPF needs 11 DNS lookups", findings[0].Explanation);

        // Fixing the zone and checking again replaces the report (no cached answer).
        _dns.Remove("_dmarc.fabrikam.test").Txt("_dmarc.fabrikam.test", "v=DMARC1; p=reject; rua=mailto:dmarc@fabrikam.test");
        var fixedReport = (await checker.CheckNowAsync("fabrikam.test"))!;
        Assert.Equal(DomainHealthStatus.Ok, Check(fixedReport, DmarcHealthCheck.Id).Status);
        Assert.Equal(DomainHealthStatus.Ok, Check((await host.Get<DomainHealthService>().GetAsync("fabrikam.test"))!, DmarcHealthCheck.Id).Status);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task The_worker_round_checks_every_accepted_domain_and_drops_reports_of_removed_ones(DatabaseProvider provider)
    {
        var (host, _, _) = await StartAsync(provider);
        await using var _ = host;
        var worker = host.Get<DomainHealthWorker>();
        var store = host.Get<DomainHealthService>();

        Assert.True(await worker.RunIfDueAsync(TimeSpan.FromHours(1), CancellationToken.None));
        Assert.Equal(["contoso.test", "fabrikam.test"], (await store.ListAsync()).Select(r => r.Domain));
        Assert.False(await worker.RunIfDueAsync(TimeSpan.FromHours(1), CancellationToken.None)); // fresh: nothing due

        var domains = host.Get<AcceptedDomainService>();
        var fabrikam = (await domains.ListAsync()).Single(d => d.DomainName == "fabrikam.test");
        await domains.DeleteAsync(AdminActor.System, fabrikam.Id);
        await host.WaitForLatestGenerationAsync();
        await host.Get<DomainHealthChecker>().CheckAllAsync(CancellationToken.None);
        Assert.Equal(["contoso.test"], (await store.ListAsync()).Select(r => r.Domain));
    }
}
