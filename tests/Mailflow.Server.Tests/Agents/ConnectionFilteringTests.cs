using System.Net;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Agents.ConnectionFiltering;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Mailflow.Server.Tests.Agents;

/// <summary>The IP lists and the DNS block lists, run through the real pipeline against a DNS server on loopback.</summary>
public sealed class ConnectionFilteringTests : IAsyncDisposable
{
    private readonly LoopbackDnsServer _dns = new();
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 12, 7, 6, 0, 0, TimeSpan.Zero));

    public ValueTask DisposeAsync() => _dns.DisposeAsync();

    private TransportAgentPipeline Pipeline() => new(
        [new IpListAgent(_time), new DnsBlockListAgent(new DnsBlockListLookup(AgentTestContext.Dns(_dns)))],
        _time, NullLogger<TransportAgentPipeline>.Instance);

    private static ProtectionSettings Zones(DnsBlockListCheckPoint at, int threshold = 1, params DnsBlockList[] zones) => new()
    {
        ConnectionFilter = new ConnectionFilterSettings { CheckAt = at, Threshold = threshold, Zones = [.. zones] },
    };

    private static DnsBlockList Zone(string name, int weight = 1, params string[] codes) => new() { Zone = name, Weight = weight, ReturnCodes = [.. codes] };

    [Fact]
    public async Task Connect_WhenClientIsListed_Refuses554WithTheZonesReason()
    {
        _dns.A("9.113.0.203.bl.test", "127.0.0.2").Txt("9.113.0.203.bl.test", "Listed for spam, see https://bl.test/203.0.113.9");
        var session = AgentTestContext.Session(AgentTestContext.Snapshot(Zones(DnsBlockListCheckPoint.Connect, 1, Zone("bl.test"))), "203.0.113.9");

        var outcome = await Pipeline().ConnectAsync(session, CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Reject, outcome.Verdict.Kind);
        Assert.Equal(554, outcome.Verdict.Reply!.Code);
        Assert.Equal("5.7.1", outcome.Verdict.Reply.Enhanced.ToString());
        Assert.Contains("blocked using bl.test; Listed for spam, see https://bl.test/203.0.113.9", outcome.Verdict.Reply.Text);
        var decision = Assert.Single(outcome.Decisions);
        Assert.Contains("listed by bl.test (127.0.0.2, weight 1: Listed for spam", decision.Describe());
        Assert.Contains("554 5.7.1", decision.Describe());
    }

    [Fact]
    public async Task Connect_WhenClientIsNotListed_PassesSilently()
    {
        var session = AgentTestContext.Session(AgentTestContext.Snapshot(Zones(DnsBlockListCheckPoint.Connect, 1, Zone("bl.test"))), "203.0.113.10");

        var outcome = await Pipeline().ConnectAsync(session, CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Continue, outcome.Verdict.Kind);
        Assert.Empty(outcome.Decisions);
        Assert.Contains("10.113.0.203.bl.test A", _dns.Questions);
    }

    [Fact]
    public async Task Connect_WhenIpv6ClientIsListed_AsksTheNibbleNameAndRefuses()
    {
        var client = IPAddress.Parse("2001:db8::1");
        var name = DnsBlockListLookup.QueryName(client, "bl.test");
        Assert.Equal("1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.bl.test", name);
        _dns.A(name, "127.0.0.3");
        var session = AgentTestContext.Session(AgentTestContext.Snapshot(Zones(DnsBlockListCheckPoint.Connect, 1, Zone("bl.test"))), "2001:db8::1");

        var outcome = await Pipeline().ConnectAsync(session, CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Reject, outcome.Verdict.Kind);
    }

    [Fact]
    public async Task Connect_WhenAnswerIsNotAReturnCodeThatCounts_Passes()
    {
        _dns.A("9.113.0.203.bl.test", "127.0.0.10");
        _dns.A("9.113.0.203.refusing.test", "127.255.255.254");
        var session = AgentTestContext.Session(AgentTestContext.Snapshot(
            Zones(DnsBlockListCheckPoint.Connect, 1, Zone("bl.test", 1, "127.0.0.2", "127.0.0.4-127.0.0.7"), Zone("refusing.test"))), "203.0.113.9");

        var outcome = await Pipeline().ConnectAsync(session, CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Continue, outcome.Verdict.Kind);
        Assert.Empty(outcome.Decisions);
    }

    [Fact]
    public async Task Connect_WhenWeightsStayBelowThreshold_PassesButTheTraceSaysWhere()
    {
        _dns.A("9.113.0.203.one.test", "127.0.0.2").A("9.113.0.203.two.test", "127.0.0.2");
        var below = AgentTestContext.Session(AgentTestContext.Snapshot(
            Zones(DnsBlockListCheckPoint.Connect, 3, Zone("one.test", 1), Zone("two.test", 1))), "203.0.113.9");
        var reached = AgentTestContext.Session(AgentTestContext.Snapshot(
            Zones(DnsBlockListCheckPoint.Connect, 3, Zone("one.test", 1), Zone("two.test", 2))), "203.0.113.9");

        var passed = await Pipeline().ConnectAsync(below, CancellationToken.None);
        var refused = await Pipeline().ConnectAsync(reached, CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Continue, passed.Verdict.Kind);
        Assert.Contains("score 2 of threshold 3", Assert.Single(passed.Decisions).Describe());
        Assert.Equal(AgentVerdictKind.Reject, refused.Verdict.Kind);
        Assert.Contains("score 3 of threshold 3", Assert.Single(refused.Decisions).Describe());
    }

    [Theory]
    [InlineData(2)] // SERVFAIL
    [InlineData(5)] // REFUSED
    public async Task Connect_WhenTheZoneFails_NeverBlocks(byte rcode)
    {
        _dns.Rcode("9.113.0.203.broken.test", rcode).A("9.113.0.203.bl.test", "127.0.0.2");
        var session = AgentTestContext.Session(AgentTestContext.Snapshot(
            Zones(DnsBlockListCheckPoint.Connect, 2, Zone("broken.test", 1), Zone("bl.test", 1))), "203.0.113.9");

        var outcome = await Pipeline().ConnectAsync(session, CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Continue, outcome.Verdict.Kind);
        Assert.Contains("no answer from broken.test (not counted)", Assert.Single(outcome.Decisions).Describe());
    }

    [Fact]
    public async Task Connect_WhenTheZoneNeverAnswers_NeverBlocks()
    {
        _dns.Silent("9.113.0.203.bl.test");
        var session = AgentTestContext.Session(AgentTestContext.Snapshot(Zones(DnsBlockListCheckPoint.Connect, 1, Zone("bl.test"))), "203.0.113.9");
        var pipeline = new TransportAgentPipeline(
            [new DnsBlockListAgent(new DnsBlockListLookup(AgentTestContext.Dns(_dns, timeoutMilliseconds: 300)))], _time, NullLogger<TransportAgentPipeline>.Instance);

        var outcome = await pipeline.ConnectAsync(session, CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Continue, outcome.Verdict.Kind);
        Assert.Contains("no answer from bl.test", Assert.Single(outcome.Decisions).Describe());
    }

    [Fact]
    public async Task Lookup_WithinTheTtl_AsksDnsOnce_AndAgainWhenTheTtlIsZero()
    {
        _dns.A("9.113.0.203.cached.test", "127.0.0.2", ttl: 3600).A("9.113.0.203.uncached.test", "127.0.0.2", ttl: 0);
        var lookup = new DnsBlockListLookup(AgentTestContext.Dns(_dns));
        var settings = new ConnectionFilterSettings { Zones = [Zone("cached.test"), Zone("uncached.test")] };

        for (var i = 0; i < 3; i++)
            Assert.True((await lookup.CheckAsync(IPAddress.Parse("203.0.113.9"), settings, countInMetrics: false, CancellationToken.None)).Listed);

        Assert.Equal(1, _dns.Questions.Count(q => q == "9.113.0.203.cached.test A"));
        Assert.Equal(3, _dns.Questions.Count(q => q == "9.113.0.203.uncached.test A"));
    }

    [Fact]
    public async Task Rcpt_WhenClientIsListed_Refuses550ButPostmasterStillGetsThrough()
    {
        _dns.A("9.113.0.203.bl.test", "127.0.0.2").Txt("9.113.0.203.bl.test", "Go away\r\n250 fake line");
        var session = AgentTestContext.Session(AgentTestContext.Snapshot(Zones(DnsBlockListCheckPoint.Recipient, 1, Zone("bl.test"))), "203.0.113.9");
        var pipeline = Pipeline();
        var message = AgentTestContext.Message();

        var connect = await pipeline.ConnectAsync(session, CancellationToken.None);
        var alice = await pipeline.RcptToAsync(session, message, AgentTestContext.Recipient("alice@local.test"), CancellationToken.None);
        var postmaster = await pipeline.RcptToAsync(session, message, AgentTestContext.Recipient("PostMaster@local.test"), CancellationToken.None);
        var barePostmaster = await pipeline.RcptToAsync(session, message, AgentTestContext.Recipient("postmaster"), CancellationToken.None);
        var foreignPostmaster = await pipeline.RcptToAsync(session, message, AgentTestContext.Recipient("postmaster@elsewhere.test"), CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Continue, connect.Verdict.Kind);
        Assert.Equal(AgentVerdictKind.Reject, alice.Verdict.Kind);
        Assert.Equal(550, alice.Verdict.Reply!.Code);
        // The zone's text is cut to printable ASCII on one line: it cannot inject a reply line.
        Assert.EndsWith("blocked using bl.test; Go away 250 fake line", alice.Verdict.Reply.Text);
        Assert.DoesNotContain('\n', alice.Verdict.Reply.Text);
        Assert.Equal(AgentVerdictKind.Continue, postmaster.Verdict.Kind);
        Assert.Contains("postmaster", Assert.Single(postmaster.Decisions).Describe());
        Assert.Equal("bl.test", message.Tags.Get(DnsBlockListAgent.ListedTag));
        Assert.Equal(AgentVerdictKind.Continue, barePostmaster.Verdict.Kind);
        Assert.Equal(AgentVerdictKind.Reject, foreignPostmaster.Verdict.Kind);
    }

    [Theory]
    [InlineData("203.0.113.9")]
    [InlineData("203.0.113.0/24")]
    public async Task Connect_WhenClientIsOnTheAllowList_SkipsTheDnsBlockLists(string range)
    {
        _dns.A("9.113.0.203.bl.test", "127.0.0.2");
        var snapshot = AgentTestContext.Snapshot(
            Zones(DnsBlockListCheckPoint.Recipient, 1, Zone("bl.test")),
            [new IpListEntry { List = IpListKind.Allow, Range = range, Comment = "partner" }, new IpListEntry { List = IpListKind.Block, Range = "203.0.113.0/24" }]);
        var session = AgentTestContext.Session(snapshot, "203.0.113.9");
        var pipeline = Pipeline();

        var connect = await pipeline.ConnectAsync(session, CancellationToken.None);
        var rcpt = await pipeline.RcptToAsync(session, AgentTestContext.Message(), AgentTestContext.Recipient("alice@local.test"), CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Accept, connect.Verdict.Kind);
        Assert.Contains("IP allow list", Assert.Single(connect.Decisions).Describe());
        Assert.True(session.Tags.IsTrue(AgentTagNames.ConnectionAllowed));
        Assert.Equal(AgentVerdictKind.Continue, rcpt.Verdict.Kind);
        Assert.DoesNotContain(_dns.Questions, q => q.Contains("bl.test"));
    }

    [Theory]
    [InlineData("198.51.100.7", "198.51.100.7")]
    [InlineData("198.51.100.0/24", "198.51.100.200")]
    [InlineData("2001:db8:bad::/48", "2001:db8:bad:1::25")]
    [InlineData("198.51.100.0/24", "::ffff:198.51.100.5")]
    public async Task Connect_WhenClientIsOnTheBlockList_Refuses554(string range, string client)
    {
        var snapshot = AgentTestContext.Snapshot(ipList: [new IpListEntry { List = IpListKind.Block, Range = range, Comment = "abuse report 42" }]);
        var session = AgentTestContext.Session(snapshot, client);

        var outcome = await Pipeline().ConnectAsync(session, CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Reject, outcome.Verdict.Kind);
        Assert.StartsWith("554 5.7.1", outcome.Verdict.Reply!.Render());
        Assert.DoesNotContain("abuse report", outcome.Verdict.Reply.Text);
        Assert.Contains("abuse report 42", Assert.Single(outcome.Decisions).Describe());
    }

    [Fact]
    public async Task Connect_WhenTheBlockEntryExpired_LetsTheClientIn()
    {
        var snapshot = AgentTestContext.Snapshot(ipList:
        [
            new IpListEntry { List = IpListKind.Block, Range = "198.51.100.7", ExpiresAt = _time.GetUtcNow().AddMinutes(5) },
        ]);
        var pipeline = Pipeline();

        var before = await pipeline.ConnectAsync(AgentTestContext.Session(snapshot, "198.51.100.7"), CancellationToken.None);
        _time.Advance(TimeSpan.FromMinutes(6));
        var after = await pipeline.ConnectAsync(AgentTestContext.Session(snapshot, "198.51.100.7"), CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Reject, before.Verdict.Kind);
        Assert.Equal(AgentVerdictKind.Continue, after.Verdict.Kind);
    }

    [Fact]
    public async Task Rcpt_WhenSessionIsAuthenticated_DoesNotAskTheBlockLists()
    {
        _dns.A("9.113.0.203.bl.test", "127.0.0.2");
        var session = AgentTestContext.Session(AgentTestContext.Snapshot(Zones(DnsBlockListCheckPoint.Recipient, 1, Zone("bl.test"))), "203.0.113.9");
        session.Identity = new SubmissionIdentity("alice@local.test", ["alice@local.test"], []);

        var outcome = await Pipeline().RcptToAsync(session, AgentTestContext.Message("alice@local.test"), AgentTestContext.Recipient("bob@remote.test"), CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Continue, outcome.Verdict.Kind);
        Assert.Empty(_dns.Questions);
    }
}
