using Mailflow.Server.Transport.Authentication.Dkim;
using Mailflow.Server.Transport.Authentication.Dmarc;
using Mailflow.Server.Transport.Authentication.PublicSuffix;
using Mailflow.Server.Transport.Authentication.Spf;
using Microsoft.Extensions.Time.Testing;

namespace Mailflow.Server.Tests.Authentication;

public sealed class DmarcEvaluatorTests : AuthenticationDnsTest
{
    private static readonly PublicSuffixListProvider ShippedList = new(null, TimeProvider.System);

    private DmarcEvaluator Dmarc() => new(Dns(), ShippedList);

    private Task<DmarcOutcome> Evaluate(string from, SpfResult spf = SpfResult.None, string? spfDomain = null, params (DkimResult, string)[] dkim) =>
        Dmarc().EvaluateAsync(new DmarcInput(from, spf, spfDomain, dkim), CancellationToken.None);

    [Theory]
    [InlineData("mail.example.com", "example.com")]
    [InlineData("example.com", "example.com")]
    [InlineData("a.b.example.co.uk", "example.co.uk")]
    [InlineData("EXAMPLE.CO.UK.", "example.co.uk")]
    [InlineData("co.uk", "co.uk")]
    [InlineData("foo.bar.ck", "foo.bar.ck")]      // *.ck: bar.ck is a public suffix
    [InlineData("a.www.ck", "www.ck")]            // !www.ck: the exception
    [InlineData("mail.example.unknowntld", "example.unknowntld")] // the implicit "*" rule
    [InlineData("user.github.io", "user.github.io")] // private section
    public void Organizational_domain_comes_from_the_shipped_public_suffix_list(string domain, string expected) =>
        Assert.Equal(expected, ShippedList.OrganizationalDomain(domain));

    [Fact]
    public void A_configured_list_replaces_the_shipped_one_and_is_reread_when_it_changes()
    {
        var path = Path.Combine(Path.GetTempPath(), $"psl-{Guid.NewGuid():N}.dat");
        try
        {
            File.WriteAllText(path, "// test list\ncom\n");
            var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
            var provider = new PublicSuffixListProvider(path, clock);
            Assert.Equal("example.internal", provider.OrganizationalDomain("a.example.internal"));

            File.WriteAllText(path, "com\nexample.internal\n");
            File.SetLastWriteTimeUtc(path, DateTime.UtcNow.AddMinutes(5));
            clock.Advance(TimeSpan.FromMinutes(2));
            Assert.Equal("a.example.internal", provider.OrganizationalDomain("x.a.example.internal"));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public async Task Aligned_spf_pass_passes_relaxed_but_not_strict()
    {
        Zone.Txt("_dmarc.example.com", "v=DMARC1; p=reject");
        var relaxed = await Evaluate("example.com", SpfResult.Pass, "bounce.example.com");
        Assert.Equal((DmarcResult.Pass, DmarcPolicy.None), (relaxed.Result, relaxed.Disposition));
        Assert.True(relaxed.SpfAligned);

        Zone.Txt("_dmarc.strict.test", "v=DMARC1; p=reject; aspf=s");
        var strict = await Evaluate("strict.test", SpfResult.Pass, "bounce.strict.test");
        Assert.Equal((DmarcResult.Fail, DmarcPolicy.Reject), (strict.Result, strict.Disposition));
    }

    [Fact]
    public async Task Aligned_dkim_pass_passes_and_unaligned_or_failing_does_not()
    {
        Zone.Txt("_dmarc.example.com", "v=DMARC1; p=quarantine; adkim=s");
        Assert.Equal(DmarcResult.Pass, (await Evaluate("example.com", SpfResult.Fail, "example.com", (DkimResult.Pass, "example.com"))).Result);
        Assert.Equal(DmarcResult.Fail, (await Evaluate("example.com", SpfResult.None, null, (DkimResult.Pass, "mail.example.com"))).Result);
        Assert.Equal(DmarcResult.Fail, (await Evaluate("example.com", SpfResult.None, null, (DkimResult.Fail, "example.com"), (DkimResult.Pass, "esp.example"))).Result);
        // SPF pass for an unrelated domain does not align either.
        var outcome = await Evaluate("example.com", SpfResult.Pass, "esp.example");
        Assert.Equal((DmarcResult.Fail, DmarcPolicy.Quarantine), (outcome.Result, outcome.Disposition));
    }

    [Fact]
    public async Task Subdomain_uses_sp_of_the_organizational_record_and_own_record_first()
    {
        Zone.Txt("_dmarc.example.com", "v=DMARC1; p=reject; sp=quarantine");
        var sub = await Evaluate("news.example.com");
        Assert.Equal((DmarcResult.Fail, DmarcPolicy.Quarantine, "example.com"), (sub.Result, sub.Disposition, sub.RecordDomain));
        Assert.Contains("_dmarc.example.com TXT", Zone.Questions);

        Zone.Txt("_dmarc.own.example.com", "v=DMARC1; p=none");
        var own = await Evaluate("own.example.com");
        Assert.Equal((DmarcResult.Fail, DmarcPolicy.None, "own.example.com"), (own.Result, own.Disposition, own.RecordDomain));

        // Without sp=, a subdomain gets p=.
        Zone.Txt("_dmarc.nosp.test", "v=DMARC1; p=reject");
        Assert.Equal(DmarcPolicy.Reject, (await Evaluate("a.nosp.test")).Disposition);
    }

    [Theory]
    [InlineData("v=DMARC1; p=reject; pct=0", DmarcPolicy.Quarantine)]
    [InlineData("v=DMARC1; p=quarantine; pct=0", DmarcPolicy.None)]
    [InlineData("v=DMARC1; p=none; pct=0", DmarcPolicy.None)]
    [InlineData("v=DMARC1; p=reject; pct=100", DmarcPolicy.Reject)]
    [InlineData("v=DMARC1; p=reject; pct=banana", DmarcPolicy.Reject)] // invalid pct: the default 100
    public async Task Pct_zero_lowers_the_disposition_one_step(string record, DmarcPolicy expected)
    {
        Zone.Txt("_dmarc.example.com", record);
        var outcome = await Evaluate("example.com");
        Assert.Equal(DmarcResult.Fail, outcome.Result);
        Assert.Equal(expected, outcome.Disposition);
    }

    [Fact]
    public async Task No_record_is_none_and_other_txt_records_are_ignored()
    {
        Assert.Equal(DmarcResult.None, (await Evaluate("example.com")).Result);
        Zone.Txt("_dmarc.other.test", "v=spf1 -all").Txt("_dmarc.other.test", "v=dmarc1; p=reject").Txt("_dmarc.other.test", "p=reject; v=DMARC1");
        Assert.Equal(DmarcResult.None, (await Evaluate("other.test")).Result);
    }

    [Fact]
    public async Task Several_records_mean_dmarc_does_not_apply()
    {
        Zone.Txt("_dmarc.example.com", "v=DMARC1; p=reject").Txt("_dmarc.example.com", "v=DMARC1; p=none");
        var outcome = await Evaluate("example.com");
        Assert.Equal((DmarcResult.None, DmarcPolicy.None), (outcome.Result, outcome.Disposition));
        Assert.Contains("2 DMARC records", outcome.Reason);
    }

    [Fact]
    public async Task Malformed_records_are_permerror_unless_a_report_address_makes_them_p_none()
    {
        Zone.Txt("_dmarc.nop.test", "v=DMARC1; rua=mailto:dmarc@nop.test; p=block");
        var withRua = await Evaluate("nop.test");
        Assert.Equal((DmarcResult.Fail, DmarcPolicy.None), (withRua.Result, withRua.Disposition));

        Zone.Txt("_dmarc.bad.test", "v=DMARC1; p=block");
        Assert.Equal(DmarcResult.PermError, (await Evaluate("bad.test")).Result);
        Zone.Txt("_dmarc.dup.test", "v=DMARC1; p=reject; p=none");
        Assert.Equal(DmarcResult.PermError, (await Evaluate("dup.test")).Result);
    }

    [Fact]
    public async Task Dns_failure_is_temperror()
    {
        Zone.Rcode("_dmarc.example.com", 2);
        Assert.Equal(DmarcResult.TempError, (await Evaluate("example.com", SpfResult.Pass, "example.com")).Result);
        Zone.Rcode("_dmarc.org.test", 2);
        Assert.Equal(DmarcResult.TempError, (await Evaluate("sub.org.test")).Result);
    }

    [Fact]
    public void Record_tags_are_parsed()
    {
        var record = DmarcRecord.Parse("v=DMARC1; p=quarantine; sp=reject; adkim=s; aspf=r; pct=25; rua=mailto:a@example.com!10m, mailto:b@example.com; ruf=mailto:f@example.com; fo=1; unknown=x");
        Assert.Equal((DmarcPolicy.Quarantine, DmarcPolicy.Reject, DmarcAlignment.Strict, DmarcAlignment.Relaxed, 25),
            (record.Policy, record.SubdomainPolicy, record.DkimAlignment, record.SpfAlignment, record.Percent));
        Assert.Equal(["mailto:a@example.com", "mailto:b@example.com"], record.AggregateReportAddresses);
    }
}
