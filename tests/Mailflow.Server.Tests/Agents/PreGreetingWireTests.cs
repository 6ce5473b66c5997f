using System.Diagnostics;
using Mailflow.Configuration;
using Mailflow.Server.Tests.Receive.Fakes;
using Mailflow.Server.Tests.Receive.Wire;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Agents.ConnectionFiltering;

namespace Mailflow.Server.Tests.Agents;

/// <summary>Postscreen-style pre-greeting checks on a real loopback socket: greet pause, talking first, pipelining unasked, the allow list.</summary>
public class PreGreetingWireTests
{
    private const int PauseMilliseconds = 1000;

    private readonly RecordingDecisionLog _decisions = new();

    private static ReceiveConnector Connector(bool checks = true) => ReceiveHost.Connector("Default", ConnectorTlsMode.None, c =>
    {
        c.PreGreetingChecks = checks;
        c.GreetPauseMilliseconds = PauseMilliseconds;
    });

    private Task<ReceiveHost> StartAsync(ReceiveConnector connector, params IpListEntry[] ipList) =>
        ReceiveHost.StartAsync([new IpListAgent(TimeProvider.System), new PreGreetingAgent(TimeProvider.System)],
            AgentTestContext.Snapshot(ipList: ipList), _decisions, connector);

    [Fact]
    public async Task ClientThatTalksBeforeTheBanner_IsRefused554AndTheTraceSaysWhy()
    {
        await using var host = await StartAsync(Connector());
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.SendRawAsync("EHLO hasty.bot.test\r\n");

        Assert.Equal("554 5.5.1 Protocol error: client sent data before the greeting\r\n", await client.ReadReplyAsync());
        Assert.Null(await client.ReadReplyAsync());
        var decision = Assert.Single(_decisions.Decisions);
        Assert.Equal((PreGreetingAgent.AgentName, AgentEvents.Connect, AgentVerdictKind.Reject), (decision.Agent, decision.Event, decision.Verdict.Kind));
        Assert.Contains("127.0.0.1 sent data before the banner (greet pause 1000 ms)", decision.Verdict.Detail);
        Assert.Contains(host.ProtocolLog.Entries, e => e.Text.StartsWith("Connection filter: pre-greeting checks at connect: rejected — 554 5.5.1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PoliteClient_WaitsTheGreetPauseAndIsServed()
    {
        await using var host = await StartAsync(Connector());
        var clock = Stopwatch.StartNew();
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220 mx.local.test");
        clock.Stop();
        Assert.InRange(clock.Elapsed, TimeSpan.FromMilliseconds(PauseMilliseconds - 100), TimeSpan.FromSeconds(10));

        await client.SendAsync("EHLO polite.test", "250 ");
        // After the EHLO reply offered PIPELINING, pipelining is fine.
        await client.SendRawAsync("MAIL FROM:<a@remote.test>\r\nRCPT TO:<alice@local.test>\r\nDATA\r\n");
        await client.ExpectAsync("250 2.1.0");
        await client.ExpectAsync("250 2.1.5");
        await client.ExpectAsync("354");
        await client.SendAsync("Subject: hi\r\n\r\nhello\r\n.", "250 2.6.0");
        Assert.Empty(_decisions.Decisions);
    }

    [Theory]
    [InlineData("HELO")]
    [InlineData("EHLO")]
    public async Task ClientThatPipelinesBeforeTheHeloReply_IsClosed421(string greeting)
    {
        await using var host = await StartAsync(Connector());
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220");
        await client.SendRawAsync($"{greeting} bot.test\r\nMAIL FROM:<spam@bot.test>\r\nRCPT TO:<alice@local.test>\r\n");

        Assert.Equal("421 4.5.1 mx.local.test Protocol error: commands sent before a reply and without PIPELINING, closing\r\n", await client.ReadReplyAsync());
        Assert.Null(await client.ReadReplyAsync());
        var decision = Assert.Single(_decisions.Decisions);
        Assert.Equal((AgentEvents.Helo, AgentVerdictKind.Disconnect), (decision.Event, decision.Verdict.Kind));
        Assert.Contains($"sent commands after {greeting} before its reply", decision.Verdict.Detail);
    }

    [Fact]
    public async Task ClientThatPipelinesAfterHelo_WhichNeverOffersPipelining_IsClosed421()
    {
        await using var host = await StartAsync(Connector());
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220");
        await client.SendAsync("HELO old.test", "250 mx.local.test");
        await client.SendRawAsync("MAIL FROM:<a@old.test>\r\nRCPT TO:<alice@local.test>\r\n");

        await client.ExpectAsync("421 4.5.1");
        var decision = Assert.Single(_decisions.Decisions);
        Assert.Equal(AgentEvents.MailFrom, decision.Event);
        Assert.Contains("pipelined commands after HELO", decision.Verdict.Detail);
    }

    [Fact]
    public async Task AllowListedClient_SkipsThePauseAndTheChecks()
    {
        var allowed = new IpListEntry { List = IpListKind.Allow, Range = "127.0.0.1", Comment = "our relay" };
        var connector = Connector();
        connector.GreetPauseMilliseconds = 5000;
        await using var host = await StartAsync(connector, allowed);
        var clock = Stopwatch.StartNew();
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.SendRawAsync("HELO relay.test\r\nMAIL FROM:<a@relay.test>\r\n");

        await client.ExpectAsync("220 mx.local.test");
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(4), $"the banner took {clock.Elapsed}");
        await client.ExpectAsync("250 mx.local.test");
        await client.ExpectAsync("250 2.1.0");
        Assert.DoesNotContain(_decisions.Decisions, d => d.Agent == PreGreetingAgent.AgentName);
    }

    [Fact]
    public async Task ChecksOff_ClientThatTalksFirstIsGreeted()
    {
        await using var host = await StartAsync(Connector(checks: false));
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.SendRawAsync("EHLO hasty.test\r\n");

        await client.ExpectAsync("220");
        await client.ExpectAsync("250 ");
        Assert.Empty(_decisions.Decisions);
    }
}
