using System.Net;
using Mailflow.Server.Transport.Route;
using Mailflow.TestSupport;

namespace Mailflow.MailFlow.Tests.Route;

/// <summary>MX resolution against a DNS server the test runs on loopback; no query leaves 127.0.0.1.</summary>
public sealed class MxResolverTests : IAsyncDisposable
{
    private readonly LoopbackDnsServer dns = new();

    private MxResolver Resolver(int timeoutMilliseconds = 2000, params LoopbackDnsServer[] servers) =>
        new(new DnsOptions
        {
            Servers = [.. (servers.Length == 0 ? [dns] : servers).Select(s => s.EndPoint.ToString())],
            TimeoutMilliseconds = timeoutMilliseconds,
            Retries = 0,
        }, random: new Random(7));

    [Fact]
    public async Task HostsAreOrderedByPreferenceWithTheirAddresses_When_DomainHasMxRecords()
    {
        dns.Mx("fabrikam.example", 20, "backup.fabrikam.example")
           .Mx("fabrikam.example", 10, "mx1.fabrikam.example")
           .Mx("fabrikam.example", 10, "mx2.fabrikam.example")
           .A("backup.fabrikam.example", "192.0.2.30")
           .A("mx1.fabrikam.example", "192.0.2.11").Aaaa("mx1.fabrikam.example", "2001:db8::11")
           .Aaaa("mx2.fabrikam.example", "2001:db8::12");

        var result = await Resolver().ResolveAsync("Fabrikam.Example.");

        Assert.Equal(MxResolutionStatus.Resolved, result.Status);
        Assert.Equal("fabrikam.example", result.Domain);
        Assert.Equal([10, 10, 20], result.Hosts.Select(h => h.Preference));
        Assert.Equal(["mx1.fabrikam.example", "mx2.fabrikam.example"], result.Hosts.Take(2).Select(h => h.Name).Order());
        Assert.Equal("backup.fabrikam.example", result.Hosts[2].Name);
        var mx1 = result.Hosts.Single(h => h.Name == "mx1.fabrikam.example");
        Assert.Equal([IPAddress.Parse("192.0.2.11"), IPAddress.Parse("2001:db8::11")], mx1.Addresses.ToArray());
        Assert.All(result.Hosts, h => Assert.False(h.Implicit));
        Assert.Null(result.EnhancedStatusCode);
    }

    [Fact]
    public async Task EqualPreferencesAreShuffled_When_ResolvedRepeatedly()
    {
        foreach (var i in Enumerable.Range(1, 4))
            dns.Mx("spread.example", 10, $"mx{i}.spread.example").A($"mx{i}.spread.example", $"192.0.2.{i}");
        var resolver = Resolver();

        var orders = new HashSet<string>();
        for (var attempt = 0; attempt < 20; attempt++)
            orders.Add(string.Join(",", (await resolver.ResolveAsync("spread.example")).Hosts.Select(h => h.Name)));

        Assert.True(orders.Count > 1, "equal-preference hosts should not always come in the same order");
        Assert.All(orders, o => Assert.Equal(4, o.Split(',').Distinct().Count()));
    }

    [Fact]
    public async Task DomainItselfIsTheHost_When_ThereIsNoMxRecord()
    {
        dns.A("plain.example", "192.0.2.80").Aaaa("plain.example", "2001:db8::80");

        var result = await Resolver().ResolveAsync("plain.example");

        var host = Assert.Single(result.Hosts);
        Assert.Equal(MxResolutionStatus.Resolved, result.Status);
        Assert.True(host.Implicit);
        Assert.Equal("plain.example", host.Name);
        Assert.Equal(0, host.Preference);
        Assert.Equal([IPAddress.Parse("192.0.2.80"), IPAddress.Parse("2001:db8::80")], host.Addresses.ToArray());
    }

    [Fact]
    public async Task DomainIsPermanentlyUndeliverableWith5110_When_ItPublishesNullMx()
    {
        dns.NullMx("nomail.example").A("nomail.example", "192.0.2.99");

        var result = await Resolver().ResolveAsync("nomail.example");

        Assert.Equal(MxResolutionStatus.PermanentFailure, result.Status);
        Assert.Equal("5.1.10", result.EnhancedStatusCode);
        Assert.Contains("doesn't accept email", result.Reason);
        Assert.Empty(result.Hosts);
        // RFC 7505: no fallback to the domain's address records.
        Assert.Equal(["nomail.example MX"], dns.Questions);
    }

    [Fact]
    public async Task RootExchangeIsIgnored_When_MixedWithRealMxRecords()
    {
        dns.Mx("odd.example", 0, ".").Mx("odd.example", 10, "mx.odd.example").A("mx.odd.example", "192.0.2.7");
        var result = await Resolver().ResolveAsync("odd.example");
        Assert.Equal("mx.odd.example", Assert.Single(result.Hosts).Name);
    }

    [Fact]
    public async Task DomainIsPermanentlyUndeliverableWith512_When_ItDoesNotExist()
    {
        var result = await Resolver().ResolveAsync("no-such-domain.example");
        Assert.Equal(MxResolutionStatus.PermanentFailure, result.Status);
        Assert.Equal("5.1.2", result.EnhancedStatusCode);
        Assert.Equal("The domain no-such-domain.example doesn't exist. Check the spelling of the address.", result.Reason);
    }

    [Fact]
    public async Task LookupIsTemporaryFailure_When_ServerAnswersServfail()
    {
        dns.Rcode("broken.example", 2);
        var result = await Resolver().ResolveAsync("broken.example");
        Assert.Equal(MxResolutionStatus.TemporaryFailure, result.Status);
        Assert.Equal("4.4.3", result.EnhancedStatusCode);
        Assert.Contains("trying again later", result.Reason);
    }

    [Fact]
    public async Task LookupIsTemporaryFailure_When_ServerRefuses()
    {
        dns.Rcode("refused.example", 5);
        Assert.Equal(MxResolutionStatus.TemporaryFailure, (await Resolver().ResolveAsync("refused.example")).Status);
    }

    [Fact]
    public async Task LookupIsTemporaryFailure_When_ServerNeverAnswers()
    {
        dns.Silent("slow.example");
        var result = await Resolver(timeoutMilliseconds: 300).ResolveAsync("slow.example");
        Assert.Equal(MxResolutionStatus.TemporaryFailure, result.Status);
        Assert.Equal("4.4.3", result.EnhancedStatusCode);
        Assert.Contains("in time", result.Reason);
    }

    [Fact]
    public async Task NextServerIsAsked_When_FirstServerFails()
    {
        await using var second = new LoopbackDnsServer();
        dns.Rcode("failover.example", 2);
        second.Mx("failover.example", 10, "mx.failover.example").A("mx.failover.example", "192.0.2.5");

        var result = await Resolver(2000, dns, second).ResolveAsync("failover.example");

        Assert.Equal(MxResolutionStatus.Resolved, result.Status);
        Assert.Contains("failover.example MX", dns.Questions);
        Assert.Contains("failover.example MX", second.Questions);
    }

    [Fact]
    public async Task HostWithoutAddressIsSkipped_When_AnotherMxHostHasOne()
    {
        dns.Mx("partial.example", 5, "gone.partial.example").Mx("partial.example", 10, "ok.partial.example")
           .A("ok.partial.example", "192.0.2.9");
        var result = await Resolver().ResolveAsync("partial.example");
        Assert.Equal("ok.partial.example", Assert.Single(result.Hosts).Name);
    }

    [Fact]
    public async Task DomainIsPermanentlyUndeliverableWith544_When_NoMxHostHasAnAddress()
    {
        dns.Mx("dangling.example", 10, "gone.dangling.example").Exists("empty.dangling.example").Mx("dangling.example", 20, "empty.dangling.example")
           .A("dangling.example", "192.0.2.1");

        var result = await Resolver().ResolveAsync("dangling.example");

        Assert.Equal(MxResolutionStatus.PermanentFailure, result.Status);
        Assert.Equal("5.4.4", result.EnhancedStatusCode);
        Assert.Contains("gone.dangling.example, empty.dangling.example", result.Reason);
        // MX records exist, so the domain's own A record is not used (RFC 5321 §5.1).
        Assert.DoesNotContain("dangling.example A", dns.Questions);
    }

    [Fact]
    public async Task LookupIsTemporaryFailure_When_TheOnlyMxHostCannotBeLookedUp()
    {
        dns.Mx("flaky.example", 10, "mx.flaky.example").Rcode("mx.flaky.example", 2);
        var result = await Resolver().ResolveAsync("flaky.example");
        Assert.Equal(MxResolutionStatus.TemporaryFailure, result.Status);
        Assert.Contains("mx.flaky.example", result.Reason);
    }

    [Fact]
    public async Task DomainIsPermanentlyUndeliverableWith544_When_ItHasNeitherMxNorAddress()
    {
        dns.Exists("bare.example");
        var result = await Resolver().ResolveAsync("bare.example");
        Assert.Equal(MxResolutionStatus.PermanentFailure, result.Status);
        Assert.Equal("5.4.4", result.EnhancedStatusCode);
        Assert.Contains("no mail server", result.Reason);
    }

    [Theory]
    [InlineData("[192.0.2.44]", "192.0.2.44")]
    [InlineData("[IPv6:2001:db8::44]", "2001:db8::44")]
    public async Task AddressLiteralNeedsNoDns_When_RecipientUsesOne(string domain, string address)
    {
        var result = await Resolver().ResolveAsync(domain);
        Assert.Equal(MxResolutionStatus.Resolved, result.Status);
        Assert.Equal([IPAddress.Parse(address)], Assert.Single(result.Hosts).Addresses.ToArray());
        Assert.Empty(dns.Questions);
    }

    [Theory]
    [InlineData("127.0.0.1", "127.0.0.1:53")]
    [InlineData("127.0.0.1:5353", "127.0.0.1:5353")]
    [InlineData("::1", "[::1]:53")]
    [InlineData("[::1]", "[::1]:53")]
    [InlineData("[::1]:5353", "[::1]:5353")]
    public void ServerEntriesAreParsed_When_Configured(string entry, string expected)
    {
        Assert.Equal(expected, Assert.Single(new DnsOptions { Servers = [entry] }.ParseServers()).ToString());
    }

    [Theory]
    [InlineData("dns.example.com")]
    [InlineData("127.0.0.1:0")]
    [InlineData("127.0.0.1:99999")]
    public void InvalidServerEntryIsRefusedWithAClearMessage_When_Configured(string entry)
    {
        var error = Assert.Throws<FormatException>(() => new DnsOptions { Servers = [entry] }.ParseServers());
        Assert.Contains("Mailflow:Dns:Servers", error.Message);
    }

    public async ValueTask DisposeAsync() => await dns.DisposeAsync();
}
