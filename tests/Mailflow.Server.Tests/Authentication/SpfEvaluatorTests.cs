using System.Net;
using Mailflow.Server.Transport.Authentication.Spf;
using Microsoft.Extensions.Time.Testing;

namespace Mailflow.Server.Tests.Authentication;

public sealed class SpfEvaluatorTests : AuthenticationDnsTest
{
    private static readonly IPAddress Client = IPAddress.Parse("192.0.2.3");

    private SpfEvaluator Spf(int timeoutMilliseconds = 2000) =>
        new(Dns(timeoutMilliseconds), new FakeTimeProvider(DateTimeOffset.FromUnixTimeSeconds(1_700_000_000)), "mx.receiver.example");

    private Task<SpfOutcome> MailFrom(string sender, string ip = "192.0.2.3", string helo = "mail.example.com") =>
        Spf().CheckMailFromAsync(IPAddress.Parse(ip), helo, sender, CancellationToken.None);

    [Theory]
    [InlineData("v=spf1 ip4:192.0.2.0/24 -all", SpfResult.Pass)]
    [InlineData("v=spf1 ip4:192.0.2.3 -all", SpfResult.Pass)]
    [InlineData("v=spf1 ip4:198.51.100.0/24 -all", SpfResult.Fail)]
    [InlineData("v=spf1 ip4:198.51.100.0/24 ~all", SpfResult.SoftFail)]
    [InlineData("v=spf1 ip4:198.51.100.0/24 ?all", SpfResult.Neutral)]
    [InlineData("v=spf1 ip4:198.51.100.0/24", SpfResult.Neutral)]
    [InlineData("v=spf1 -ip4:192.0.2.3 +all", SpfResult.Fail)]
    [InlineData("v=spf1 ip6:2001:db8::/32 -all", SpfResult.Fail)]
    [InlineData("v=spf1", SpfResult.Neutral)]
    [InlineData("V=SPF1 IP4:192.0.2.3 -ALL", SpfResult.Pass)]
    [InlineData("v=spf1 ip4:192.0.2.3 -all foo=%{bar}", SpfResult.PermError)] // a syntax error anywhere is permerror
    [InlineData("v=spf1 ip4:192.0.2.3 frobnicate -all", SpfResult.PermError)]
    [InlineData("v=spf1 ip4:192.0.2.3/33 -all", SpfResult.PermError)]
    [InlineData("v=spf1 ip4:192.0.2.3/024 -all", SpfResult.PermError)]
    [InlineData("v=spf1 ip4:192.0.2 -all", SpfResult.PermError)]
    [InlineData("v=spf1 include -all", SpfResult.PermError)]
    [InlineData("v=spf1 a:foo -all", SpfResult.PermError)]
    [InlineData("v=spf1 redirect=a.example redirect=b.example", SpfResult.PermError)]
    [InlineData("v=spf1 exp=a.example exp=b.example -all", SpfResult.PermError)]
    [InlineData("v=spf1 unknown-modifier=value ip4:192.0.2.3 -all", SpfResult.Pass)]
    [InlineData("v=spf1 ip4:192.0.2.3 %-all", SpfResult.PermError)]
    public async Task Record_gives_its_result(string record, SpfResult expected)
    {
        Zone.Txt("example.com", record);
        var outcome = await MailFrom("alice@example.com");
        Assert.Equal(expected, outcome.Result);
        Assert.Equal("example.com", outcome.Domain);
    }

    [Fact]
    public async Task No_record_nxdomain_bad_domain_and_other_txt_are_none()
    {
        Zone.Txt("example.com", "google-site-verification=abc");
        Zone.Txt("example.com", "v=spf10 -all");
        Assert.Equal(SpfResult.None, (await MailFrom("a@example.com")).Result);
        Assert.Equal(SpfResult.None, (await MailFrom("a@missing.example")).Result);
        Assert.Equal(SpfResult.None, (await MailFrom("a@localhost")).Result);
        Assert.Equal(SpfResult.None, (await MailFrom("a@exa..mple.com")).Result);
    }

    [Fact]
    public async Task Two_spf_records_are_permerror()
    {
        Zone.Txt("example.com", "v=spf1 +all").Txt("example.com", "v=spf1 -all");
        var outcome = await MailFrom("a@example.com");
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains("2 SPF records", outcome.Reason);
    }

    [Fact]
    public async Task Record_split_in_character_strings_is_joined_without_spaces()
    {
        Zone.TxtStrings("example.com", "v=spf1 ip4:192.0", ".2.3 -all");
        Assert.Equal(SpfResult.Pass, (await MailFrom("a@example.com")).Result);
    }

    [Fact]
    public async Task Include_matches_only_on_pass_and_needs_a_record()
    {
        Zone.Txt("example.com", "v=spf1 include:fail.example include:pass.example -all");
        Zone.Txt("fail.example", "v=spf1 -all");
        Zone.Txt("pass.example", "v=spf1 ip4:192.0.2.0/24 -all");
        Assert.Equal(SpfResult.Pass, (await MailFrom("a@example.com")).Result);
        // The included record's -all does not make the outer result fail.
        Assert.Equal(SpfResult.Fail, (await MailFrom("a@example.com", ip: "198.51.100.7")).Result);

        Zone.Txt("norecord.test", "v=spf1 include:nothing.example -all");
        Zone.Exists("nothing.example");
        var outcome = await MailFrom("a@norecord.test");
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains("nothing.example", outcome.Reason);
    }

    [Fact]
    public async Task Include_temperror_and_permerror_propagate()
    {
        Zone.Txt("example.com", "v=spf1 include:broken.example -all");
        Zone.Rcode("broken.example", 2);
        Assert.Equal(SpfResult.TempError, (await MailFrom("a@example.com")).Result);
        Zone.Txt("perm.test", "v=spf1 include:bad.example -all");
        Zone.Txt("bad.example", "v=spf1 nonsense");
        Assert.Equal(SpfResult.PermError, (await MailFrom("a@perm.test")).Result);
    }

    [Fact]
    public async Task Redirect_replaces_the_record_and_needs_a_target_record()
    {
        Zone.Txt("example.com", "v=spf1 redirect=_spf.example.net");
        Zone.Txt("_spf.example.net", "v=spf1 ip4:192.0.2.3 -all");
        Assert.Equal(SpfResult.Pass, (await MailFrom("a@example.com")).Result);
        Assert.Equal(SpfResult.Fail, (await MailFrom("a@example.com", ip: "198.51.100.1")).Result);

        Zone.Txt("withall.test", "v=spf1 ?all redirect=_spf.example.net");
        Assert.Equal(SpfResult.Neutral, (await MailFrom("a@withall.test")).Result);

        Zone.Txt("dangling.test", "v=spf1 redirect=nowhere.example");
        Assert.Equal(SpfResult.PermError, (await MailFrom("a@dangling.test")).Result);
    }

    [Fact]
    public async Task A_and_mx_with_dual_cidr_for_ipv4_and_ipv6()
    {
        Zone.Txt("example.com", "v=spf1 a/24//64 mx:mail.example.net -all");
        Zone.A("example.com", "192.0.2.200").Aaaa("example.com", "2001:db8:1::1");
        Zone.Mx("mail.example.net", 10, "mx1.example.net").Mx("mail.example.net", 20, "mx2.example.net");
        Zone.A("mx1.example.net", "203.0.113.9").A("mx2.example.net", "198.51.100.20");
        Zone.Aaaa("mx2.example.net", "2001:db8:2::25");

        Assert.Equal(SpfResult.Pass, (await MailFrom("a@example.com", ip: "192.0.2.7")).Result);      // a/24
        Assert.Equal(SpfResult.Pass, (await MailFrom("a@example.com", ip: "2001:db8:1::99")).Result); // a//64
        Assert.Equal(SpfResult.Fail, (await MailFrom("a@example.com", ip: "2001:db8:9::1")).Result);
        Assert.Equal(SpfResult.Pass, (await MailFrom("a@example.com", ip: "198.51.100.20")).Result);  // second MX
        Assert.Equal(SpfResult.Pass, (await MailFrom("a@example.com", ip: "2001:db8:2::25")).Result);
        Assert.Equal(SpfResult.Fail, (await MailFrom("a@example.com", ip: "198.51.100.21")).Result);
        // An IPv4-mapped IPv6 client is checked as IPv4.
        Assert.Equal(SpfResult.Pass, (await MailFrom("a@example.com", ip: "::ffff:192.0.2.7")).Result);
    }

    [Fact]
    public async Task Ip6_mechanism_matches_ipv6_clients_only()
    {
        Zone.Txt("example.com", "v=spf1 ip6:2001:db8::/32 ip4:192.0.2.0/24 -all");
        Assert.Equal(SpfResult.Pass, (await MailFrom("a@example.com", ip: "2001:db8:ffff::1")).Result);
        Assert.Equal(SpfResult.Fail, (await MailFrom("a@example.com", ip: "2001:db9::1")).Result);
    }

    [Fact]
    public async Task Mx_with_more_than_ten_names_is_permerror()
    {
        Zone.Txt("example.com", "v=spf1 mx -all");
        for (var i = 0; i < 11; i++)
            Zone.Mx("example.com", (ushort)i, $"mx{i}.example.com");
        Assert.Equal(SpfResult.PermError, (await MailFrom("a@example.com", ip: "198.51.100.1")).Result);
    }

    [Fact]
    public async Task Ptr_matches_forward_confirmed_names_under_the_domain()
    {
        Zone.Txt("example.com", "v=spf1 ptr -all");
        Zone.Txt("other.test", "v=spf1 ptr:example.com -all");
        Zone.Ptr("192.0.2.3", "mail.example.com").A("mail.example.com", "192.0.2.3");
        Zone.Ptr("192.0.2.4", "liar.example.com").A("liar.example.com", "203.0.113.1");
        Assert.Equal(SpfResult.Pass, (await MailFrom("a@example.com")).Result);
        Assert.Equal(SpfResult.Pass, (await MailFrom("a@other.test")).Result);
        Assert.Equal(SpfResult.Fail, (await MailFrom("a@example.com", ip: "192.0.2.4")).Result);
        // A failed PTR lookup is "no match", not temperror (§5.5).
        Zone.Rcode(Mailflow.TestSupport.LoopbackDnsServer.ReverseName(IPAddress.Parse("192.0.2.5")), 2);
        Assert.Equal(SpfResult.Fail, (await MailFrom("a@example.com", ip: "192.0.2.5")).Result);
    }

    [Fact]
    public async Task Exists_expands_macros_and_asks_for_an_a_record()
    {
        Zone.Txt("example.com", "v=spf1 exists:%{ir}.%{l1r+-}._spf.%{d} -all");
        Zone.A("3.2.0.192.alice._spf.example.com", "127.0.0.2");
        Assert.Equal(SpfResult.Pass, (await MailFrom("alice@example.com")).Result);
        Assert.Equal(SpfResult.Fail, (await MailFrom("bob@example.com")).Result);
        Assert.Contains("3.2.0.192.alice._spf.example.com A", Zone.Questions);
    }

    [Fact]
    public async Task Fail_carries_the_expanded_exp_text()
    {
        Zone.Txt("example.com", "v=spf1 ip4:198.51.100.0/24 exp=explain._spf.%{d} -all");
        Zone.Txt("explain._spf.example.com", "%{i} is not one of %{d}'s designated mail servers (sender %{s}, checked by %{r}).");
        var outcome = await MailFrom("alice@example.com");
        Assert.Equal(SpfResult.Fail, outcome.Result);
        Assert.Equal("192.0.2.3 is not one of example.com's designated mail servers (sender alice@example.com, checked by mx.receiver.example).", outcome.Explanation);
    }

    [Fact]
    public async Task Exp_of_an_included_record_is_not_used_but_that_of_a_redirect_target_is()
    {
        Zone.Txt("example.com", "v=spf1 redirect=target.example");
        Zone.Txt("target.example", "v=spf1 exp=why.target.example -all");
        Zone.Txt("why.target.example", "target says no");
        Assert.Equal("target says no", (await MailFrom("a@example.com")).Explanation);

        Zone.Txt("outer.test", "v=spf1 include:inner.test -all");
        Zone.Txt("inner.test", "v=spf1 exp=why.inner.test -all");
        Zone.Txt("why.inner.test", "inner says no");
        var outcome = await MailFrom("a@outer.test");
        Assert.Equal(SpfResult.Fail, outcome.Result);
        Assert.Null(outcome.Explanation);
    }

    [Fact]
    public async Task More_than_ten_lookups_is_permerror()
    {
        Zone.Txt("example.com", "v=spf1 " + string.Join(' ', Enumerable.Range(0, 11).Select(i => $"a:h{i}.example.com")) + " -all");
        for (var i = 0; i < 11; i++)
            Zone.A($"h{i}.example.com", "203.0.113.1");
        var outcome = await MailFrom("a@example.com");
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains("10 DNS lookups", outcome.Reason);

        // Ten is fine (and ip4 terms cost nothing).
        Zone.Txt("ten.test", "v=spf1 " + string.Join(' ', Enumerable.Range(0, 10).Select(i => $"a:h{i}.example.com")) + " ip4:192.0.2.3 -all");
        Assert.Equal(SpfResult.Pass, (await MailFrom("a@ten.test")).Result);
    }

    [Fact]
    public async Task Lookups_are_counted_across_includes()
    {
        Zone.Txt("example.com", "v=spf1 include:i1.example.com include:i2.example.com -all");
        Zone.Txt("i1.example.com", "v=spf1 a:h1.example.com a:h2.example.com a:h3.example.com a:h4.example.com ?all");
        Zone.Txt("i2.example.com", "v=spf1 a:h5.example.com a:h6.example.com a:h7.example.com a:h8.example.com a:h9.example.com ip4:192.0.2.3");
        for (var i = 1; i < 10; i++)
            Zone.A($"h{i}.example.com", "203.0.113.1");
        // i1 evaluates to neutral (no match); lookups: 2 includes + 9 a = 11.
        Assert.Equal(SpfResult.PermError, (await MailFrom("a@example.com")).Result);
    }

    [Fact]
    public async Task More_than_two_void_lookups_is_permerror()
    {
        Zone.Txt("example.com", "v=spf1 a:v1.example.com a:v2.example.com a:v3.example.com ip4:192.0.2.3 -all");
        Zone.Exists("v1.example.com"); // NODATA
        var outcome = await MailFrom("a@example.com");                    // v2, v3: NXDOMAIN
        Assert.Equal(SpfResult.PermError, outcome.Result);
        Assert.Contains("found nothing", outcome.Reason);
        Zone.Txt("two.test", "v=spf1 a:v1.example.com a:v2.example.com ip4:192.0.2.3 -all");
        Assert.Equal(SpfResult.Pass, (await MailFrom("a@two.test")).Result);
    }

    [Fact]
    public async Task Dns_failures_are_temperror_never_pass()
    {
        Zone.Rcode("servfail.test", 2);
        Assert.Equal(SpfResult.TempError, (await MailFrom("a@servfail.test")).Result);

        Zone.Txt("example.com", "v=spf1 a:broken.example.com +all");
        Zone.Rcode("broken.example.com", 2);
        Assert.Equal(SpfResult.TempError, (await MailFrom("a@example.com")).Result);

        Zone.Silent("silent.test");
        var outcome = await Spf(timeoutMilliseconds: 300).CheckMailFromAsync(Client, "h.example", "a@silent.test", CancellationToken.None);
        Assert.Equal(SpfResult.TempError, outcome.Result);
    }

    [Fact]
    public async Task Null_sender_checks_postmaster_at_the_helo_name()
    {
        Zone.Txt("mail.example.com", "v=spf1 ip4:192.0.2.3 -all");
        var outcome = await MailFrom("", helo: "mail.example.com");
        Assert.Equal(SpfResult.Pass, outcome.Result);
        Assert.Equal("postmaster@mail.example.com", outcome.Sender);
        Assert.Equal("mail.example.com", outcome.Domain);
    }

    [Fact]
    public async Task Helo_identity_is_checked_against_the_helo_record()
    {
        Zone.Txt("mail.example.com", "v=spf1 a -all").A("mail.example.com", "192.0.2.3");
        var spf = Spf();
        Assert.Equal(SpfResult.Pass, (await spf.CheckHeloAsync(Client, "mail.example.com", CancellationToken.None)).Result);
        Assert.Equal(SpfResult.Fail, (await spf.CheckHeloAsync(IPAddress.Parse("192.0.2.99"), "mail.example.com", CancellationToken.None)).Result);
        var literal = await spf.CheckHeloAsync(Client, "[192.0.2.3]", CancellationToken.None);
        Assert.Equal(SpfResult.None, literal.Result);
        Assert.Equal(SpfIdentity.Helo, literal.Identity);
    }

    // RFC 7208 §7.4: sender strong-bad@email.example.com, client 192.0.2.3 (and 2001:db8::cb01).
    [Theory]
    [InlineData("%{s}", "strong-bad@email.example.com")]
    [InlineData("%{o}", "email.example.com")]
    [InlineData("%{d}", "email.example.com")]
    [InlineData("%{d4}", "email.example.com")]
    [InlineData("%{d3}", "email.example.com")]
    [InlineData("%{d2}", "example.com")]
    [InlineData("%{d1}", "com")]
    [InlineData("%{dr}", "com.example.email")]
    [InlineData("%{d2r}", "example.email")]
    [InlineData("%{l}", "strong-bad")]
    [InlineData("%{l-}", "strong.bad")]
    [InlineData("%{lr}", "strong-bad")]
    [InlineData("%{lr-}", "bad.strong")]
    [InlineData("%{l1r-}", "strong")]
    [InlineData("%{ir}.%{v}._spf.%{d2}", "3.2.0.192.in-addr._spf.example.com")]
    [InlineData("%{lr-}.lp._spf.%{d2}", "bad.strong.lp._spf.example.com")]
    [InlineData("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}", "bad.strong.lp.3.2.0.192.in-addr._spf.example.com")]
    [InlineData("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}", "3.2.0.192.in-addr.strong.lp._spf.example.com")]
    [InlineData("%{d2}.trusted-domains.example.net", "example.com.trusted-domains.example.net")]
    [InlineData("%%%_%-", "% %20")]
    [InlineData("%{S}", "strong-bad%40email.example.com")]
    public void Macro_examples_of_rfc_7208(string macro, string expected)
    {
        var context = new SpfMacroContext("strong-bad@email.example.com", "email.example.com", Client, "mx.example.org", "mx.receiver.example", DateTimeOffset.UnixEpoch);
        Assert.Equal(expected, SpfMacro.Expand(macro, context));
    }

    [Fact]
    public void Macro_example_of_rfc_7208_for_ipv6()
    {
        var context = new SpfMacroContext("strong-bad@email.example.com", "email.example.com", IPAddress.Parse("2001:db8::cb01"), "h", "r", DateTimeOffset.UnixEpoch);
        Assert.Equal("1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com",
            SpfMacro.Expand("%{ir}.%{v}._spf.%{d2}", context));
    }

    [Theory]
    [InlineData("%{x}")]
    [InlineData("%{d0}")]
    [InlineData("%{c}")]
    [InlineData("%{d")]
    [InlineData("100%")]
    [InlineData("%{d2r!}")]
    public void Invalid_macros_are_refused(string macro) =>
        Assert.Throws<FormatException>(() => SpfMacro.Validate(macro, allowExplanationLetters: false));
}
