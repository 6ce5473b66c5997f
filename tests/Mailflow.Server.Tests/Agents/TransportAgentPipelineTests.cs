using System.Net;
using Mailflow.Configuration;
using Mailflow.Server.Tests.Receive;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Receive.Protocol;
using Mailflow.Smtp;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mailflow.Server.Tests.Agents;

/// <summary>The pipeline's contract, without a socket: order, enablement, time limits, failure policies, reply composition.</summary>
public sealed class TransportAgentPipelineTests
{
    private static readonly Guid Connector = SessionScript.DefaultPolicy.ConnectorId;
    private static readonly Guid OtherConnector = Guid.Parse("6d1e5a43-0000-4000-8000-000000000002");

    private static TransportAgentPipeline Pipeline(params ITransportAgent[] agents) =>
        new(agents, TimeProvider.System, NullLogger<TransportAgentPipeline>.Instance);

    private static TransportConfig Snapshot(params TransportAgentSetting[] settings) =>
        new(1, DateTimeOffset.UnixEpoch, [], [], [], [], [], new OrganizationSettings()) { TransportAgents = [.. settings] };

    private static AgentSession Session(TransportConfig snapshot, Guid? connector = null) => new()
    {
        SessionId = "S1",
        Policy = SessionScript.DefaultPolicy with { ConnectorId = connector ?? Connector },
        Snapshot = snapshot,
        ClientAddress = IPAddress.Parse("192.0.2.10"),
    };

    private static AgentMessage Message() => new() { Sender = null, Parameters = new MailParameters() };

    [Fact]
    public async Task Agents_run_in_priority_order_and_a_setting_can_move_one()
    {
        var calls = new List<string>();
        var first = new ScriptedAgent("First", 10) { CallLog = calls };
        var second = new ScriptedAgent("Second", 20) { CallLog = calls };
        var third = new ScriptedAgent("Third", 30) { CallLog = calls };
        var pipeline = Pipeline(third, first, second);

        await pipeline.HeloAsync(Session(Snapshot()), CancellationToken.None);
        Assert.Equal(["First:Helo", "Second:Helo", "Third:Helo"], calls);

        calls.Clear();
        await pipeline.HeloAsync(Session(Snapshot(new TransportAgentSetting { AgentName = "Third", Priority = 5 })), CancellationToken.None);
        Assert.Equal(["Third:Helo", "First:Helo", "Second:Helo"], calls);
    }

    [Fact]
    public async Task An_agent_runs_only_at_the_events_it_declares()
    {
        var calls = new List<string>();
        var pipeline = Pipeline(new ScriptedAgent("RcptOnly", 10, AgentEvents.RcptTo) { CallLog = calls });
        var session = Session(Snapshot());
        await pipeline.ConnectAsync(session, CancellationToken.None);
        await pipeline.MailFromAsync(session, Message(), CancellationToken.None);
        await pipeline.RcptToAsync(session, Message(), new AgentRecipient(SmtpAddressFor("a@b.test"), new RcptParameters()), CancellationToken.None);
        Assert.Equal(["RcptOnly:RcptTo"], calls);
    }

    [Fact]
    public async Task An_agent_disabled_globally_or_on_the_session_s_connector_does_not_run()
    {
        var agent = new ScriptedAgent("Filter", 10) { Verdict = AgentVerdict.Reject(SmtpReplies.PolicyRejected) };
        var pipeline = Pipeline(agent);

        var off = Snapshot(new TransportAgentSetting { AgentName = "Filter", Enabled = false });
        Assert.False((await pipeline.HeloAsync(Session(off), CancellationToken.None)).Refuses);

        var offHere = Snapshot(new TransportAgentSetting { AgentName = "Filter", DisabledOnConnectors = [Connector] });
        Assert.False((await pipeline.HeloAsync(Session(offHere), CancellationToken.None)).Refuses);
        Assert.True((await pipeline.HeloAsync(Session(offHere, OtherConnector), CancellationToken.None)).Refuses);
    }

    [Fact]
    public async Task A_protocol_safety_agent_cannot_be_disabled()
    {
        var relay = new Mailflow.Server.Transport.Agents.BuiltIn.RelayAgent(new Receive.Fakes.FakeAddressAuthority());
        var pipeline = Pipeline(relay);
        var snapshot = Snapshot(new TransportAgentSetting { AgentName = "Relay", Enabled = false });
        var session = Session(snapshot); // the default policy gives anonymous clients no relay right
        var outcome = await pipeline.RcptToAsync(session, Message(), new AgentRecipient(SmtpAddressFor("x@remote.test"), new RcptParameters()), CancellationToken.None);
        Assert.Equal(AgentVerdictKind.Reject, outcome.Verdict.Kind);
        Assert.Equal("5.7.54", outcome.Verdict.Reply!.Enhanced.ToString());
    }

    [Fact]
    public async Task The_first_final_verdict_ends_the_event_and_later_agents_do_not_run()
    {
        var calls = new List<string>();
        var allow = new ScriptedAgent("Allow", 10) { CallLog = calls, Verdict = AgentVerdict.Accept("on the allow list") };
        var block = new ScriptedAgent("Block", 20) { CallLog = calls, Verdict = AgentVerdict.Reject(SmtpReplies.PolicyRejected) };
        var outcome = await Pipeline(allow, block).ConnectAsync(Session(Snapshot()), CancellationToken.None);
        Assert.Equal(AgentVerdictKind.Accept, outcome.Verdict.Kind);
        Assert.Equal(["Allow:Connect"], calls);
        Assert.Equal("Allow agent at connect: accepted — on the allow list", Assert.Single(outcome.Decisions).Describe());
    }

    [Fact]
    public async Task Tarpit_delays_add_up_and_the_chain_goes_on()
    {
        var slow = new ScriptedAgent("Slow", 10) { Verdict = AgentVerdict.Tarpit(TimeSpan.FromSeconds(2), "unknown recipient") };
        var slower = new ScriptedAgent("Slower", 20) { Verdict = AgentVerdict.Tarpit(TimeSpan.FromSeconds(3)) };
        var reject = new ScriptedAgent("Reject", 30) { Verdict = AgentVerdict.Reject(new SmtpReply(550, "5.7.1", "Listed at zen.example")) };
        var outcome = await Pipeline(slow, slower, reject).HeloAsync(Session(Snapshot()), CancellationToken.None);
        Assert.Equal(TimeSpan.FromSeconds(5), outcome.Delay);
        Assert.Equal(AgentVerdictKind.Reject, outcome.Verdict.Kind);
        Assert.Equal("550 5.7.1 Listed at zen.example", outcome.Verdict.Reply!.Lines.Single());
        Assert.Equal(3, outcome.Decisions.Count);
    }

    [Fact]
    public async Task A_silent_continue_is_not_recorded_but_a_continue_with_a_reason_is()
    {
        var quiet = new ScriptedAgent("Quiet", 10);
        var talkative = new ScriptedAgent("Talkative", 20) { Verdict = AgentVerdict.ContinueWith("SPF pass for remote.test") };
        var outcome = await Pipeline(quiet, talkative).MailFromAsync(Session(Snapshot()), Message(), CancellationToken.None);
        Assert.False(outcome.Refuses);
        Assert.Equal("Talkative", Assert.Single(outcome.Decisions).Agent);
    }

    [Fact]
    public async Task A_timeout_under_tempfail_answers_451_4_7_1()
    {
        var hanging = new ScriptedAgent("Hanging", 10) { DefaultTimeout = TimeSpan.FromMilliseconds(100), Answer = Forever };
        var outcome = await Pipeline(hanging).HeloAsync(Session(Snapshot()), CancellationToken.None);
        Assert.Equal(AgentVerdictKind.TempFail, outcome.Verdict.Kind);
        Assert.Equal("451 4.7.1", $"{outcome.Verdict.Reply!.Code} {outcome.Verdict.Reply.Enhanced}");
        Assert.Contains("no answer within 0.1 s", outcome.Verdict.Detail);
    }

    [Fact]
    public async Task A_timeout_under_fail_open_continues_and_says_so()
    {
        var calls = new List<string>();
        var hanging = new ScriptedAgent("Hanging", 10) { DefaultTimeout = TimeSpan.FromMilliseconds(100), Answer = Forever, DefaultFailurePolicy = AgentFailurePolicy.FailOpen };
        var next = new ScriptedAgent("Next", 20) { CallLog = calls };
        var outcome = await Pipeline(hanging, next).HeloAsync(Session(Snapshot()), CancellationToken.None);
        Assert.False(outcome.Refuses);
        Assert.Equal(["Next:Helo"], calls);
        Assert.Contains("fail-open", Assert.Single(outcome.Decisions).Verdict.Detail);
    }

    [Fact]
    public async Task Settings_override_the_time_limit_and_the_failure_policy()
    {
        var slowish = new ScriptedAgent("Slowish", 10)
        {
            DefaultTimeout = TimeSpan.FromMilliseconds(50),
            Answer = async (_, token) => { await Task.Delay(300, token); return AgentVerdict.Continue; },
        };
        var pipeline = Pipeline(slowish);
        Assert.True((await pipeline.HeloAsync(Session(Snapshot()), CancellationToken.None)).Refuses);
        var generous = Snapshot(new TransportAgentSetting { AgentName = "Slowish", TimeoutMilliseconds = 5000 });
        Assert.False((await pipeline.HeloAsync(Session(generous), CancellationToken.None)).Refuses);
        var failOpen = Snapshot(new TransportAgentSetting { AgentName = "Slowish", FailurePolicy = AgentFailurePolicy.FailOpen });
        Assert.False((await pipeline.HeloAsync(Session(failOpen), CancellationToken.None)).Refuses);
    }

    [Fact]
    public async Task An_agent_that_throws_is_a_failure_under_its_policy()
    {
        var broken = new ScriptedAgent("Broken", 10) { Answer = (_, _) => throw new InvalidOperationException("bug") };
        var outcome = await Pipeline(broken).HeloAsync(Session(Snapshot()), CancellationToken.None);
        Assert.Equal(AgentVerdictKind.TempFail, outcome.Verdict.Kind);
        Assert.Contains("failed (InvalidOperationException)", outcome.Verdict.Detail);
    }

    [Fact]
    public async Task A_verdict_an_event_does_not_allow_is_ignored()
    {
        var confused = new ScriptedAgent("Confused", 10) { Verdict = AgentVerdict.Discard() };
        var outcome = await Pipeline(confused).HeloAsync(Session(Snapshot()), CancellationToken.None);
        Assert.Equal(AgentVerdictKind.Continue, outcome.Verdict.Kind);
    }

    [Fact]
    public void Two_agents_with_one_name_are_refused_at_start()
    {
        var error = Assert.Throws<InvalidOperationException>(() => Pipeline(new ScriptedAgent("Same", 1), new ScriptedAgent("same", 2)));
        Assert.Contains("'Same'", error.Message);
    }

    [Fact]
    public void Verdict_factories_refuse_a_reply_of_the_wrong_class()
    {
        Assert.Throws<ArgumentException>(() => AgentVerdict.Reject(SmtpReplies.LocalError));
        Assert.Throws<ArgumentException>(() => AgentVerdict.TempFail(SmtpReplies.PolicyRejected));
    }

    private static async ValueTask<AgentVerdict> Forever(AgentEvents _, CancellationToken token)
    {
        await Task.Delay(Timeout.Infinite, token);
        return AgentVerdict.Continue;
    }

    private static SmtpAddress SmtpAddressFor(string address)
    {
        var at = address.IndexOf('@');
        return new SmtpAddress(address[..at], address[(at + 1)..], IsQuotedLocalPart: false, IsAddressLiteral: false);
    }
}
