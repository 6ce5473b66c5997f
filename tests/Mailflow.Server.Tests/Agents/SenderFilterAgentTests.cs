using System.Text;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Agents.SenderFiltering;
using Mailflow.Server.Transport.Receive.Policy;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mailflow.Server.Tests.Agents;

/// <summary>Blocked senders and domains, the blank-sender policy and anti-spoofing of our own (authoritative) domains.</summary>
public sealed class SenderFilterAgentTests
{
    private static TransportAgentPipeline Pipeline() =>
        new([new SenderFilterAgent()], TimeProvider.System, NullLogger<TransportAgentPipeline>.Instance);

    private static AgentSession Session(Action<SenderFilterSettings> configure, params IpListEntry[] ipList)
    {
        var settings = new ProtectionSettings();
        configure(settings.SenderFilter);
        return AgentTestContext.Session(AgentTestContext.Snapshot(settings, ipList), "203.0.113.9");
    }

    private static AgentMessage Null() => new() { Sender = null, Parameters = new() };

    private static AgentContent Headers(string from)
    {
        var bytes = Encoding.ASCII.GetBytes($"From: {from}\r\nTo: alice@local.test\r\nSubject: hi\r\n\r\nbody\r\n");
        return new AgentContent(bytes.Length, _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes)));
    }

    [Theory]
    [InlineData("Spammer@Bad.Example", true)]
    [InlineData("anyone@blocked.example", true)]
    [InlineData("x@deep.sub.wild.example", true)]
    [InlineData("x@wild.example", true)]
    [InlineData("x@notwild.example", false)]
    [InlineData("x@sub.blocked.example", false)]
    [InlineData("friend@good.example", false)]
    public async Task MailFrom_BlockedSendersAndDomains_AreRefused(string sender, bool refused)
    {
        var session = Session(s =>
        {
            s.BlockedSenders = ["spammer@bad.example"];
            s.BlockedSenderDomains = ["blocked.example", "*.wild.example"];
        });

        var outcome = await Pipeline().MailFromAsync(session, AgentTestContext.Message(sender), CancellationToken.None);

        Assert.Equal(refused ? AgentVerdictKind.Reject : AgentVerdictKind.Continue, outcome.Verdict.Kind);
        if (refused)
            Assert.Equal("550 5.7.1 Sender denied by this server's policy\r\n", outcome.Verdict.Reply!.Render());
    }

    [Fact]
    public async Task MailFrom_NullSender_IsAcceptedUnlessBlankSendersAreBlocked()
    {
        var open = await Pipeline().MailFromAsync(Session(_ => { }), Null(), CancellationToken.None);
        var blocked = await Pipeline().MailFromAsync(Session(s => s.BlockBlankSenders = true), Null(), CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Continue, open.Verdict.Kind);
        Assert.Equal(AgentVerdictKind.Reject, blocked.Verdict.Kind);
    }

    [Fact]
    public async Task AntiSpoofing_AnonymousEnvelopeSenderInOurDomain_IsRefused_AuthenticatedOrAllowedIsNot()
    {
        var anonymous = Session(s => s.AntiSpoofing = SpoofingAction.Reject);
        var authenticated = Session(s => s.AntiSpoofing = SpoofingAction.Reject);
        authenticated.Identity = new SubmissionIdentity("ceo@local.test", ["ceo@local.test"], []);
        var allowed = Session(s => s.AntiSpoofing = SpoofingAction.Reject, new IpListEntry { List = IpListKind.Allow, Range = "203.0.113.9" });
        allowed.Tags.Set(AgentTagNames.ConnectionAllowed, true);

        var refused = await Pipeline().MailFromAsync(anonymous, AgentTestContext.Message("ceo@local.test"), CancellationToken.None);
        var byUser = await Pipeline().MailFromAsync(authenticated, AgentTestContext.Message("ceo@local.test"), CancellationToken.None);
        var byAllowedIp = await Pipeline().MailFromAsync(allowed, AgentTestContext.Message("ceo@local.test"), CancellationToken.None);
        var foreign = await Pipeline().MailFromAsync(anonymous, AgentTestContext.Message("someone@remote.test"), CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Reject, refused.Verdict.Kind);
        Assert.StartsWith("550 5.7.1 Client was not authenticated", refused.Verdict.Reply!.Render());
        Assert.Contains("our authoritative domain local.test", Assert.Single(refused.Decisions).Describe());
        Assert.Equal(AgentVerdictKind.Continue, byUser.Verdict.Kind);
        Assert.Equal(AgentVerdictKind.Continue, byAllowedIp.Verdict.Kind);
        Assert.Equal(AgentVerdictKind.Continue, foreign.Verdict.Kind);
    }

    [Fact]
    public async Task AntiSpoofing_FromHeaderInOurDomain_IsRefusedAtEndOfData_OrTagged()
    {
        var reject = Session(s => s.AntiSpoofing = SpoofingAction.Reject);
        var tag = Session(s => s.AntiSpoofing = SpoofingAction.Tag);
        var tagged = AgentTestContext.Message("bounce@remote.test");

        var refused = await Pipeline().EndOfDataAsync(reject, AgentTestContext.Message("bounce@remote.test"), Headers("\"CEO\" <ceo@local.test>"), CancellationToken.None);
        var marked = await Pipeline().EndOfDataAsync(tag, tagged, Headers("ceo@LOCAL.TEST"), CancellationToken.None);
        var fine = await Pipeline().EndOfDataAsync(reject, AgentTestContext.Message("bounce@remote.test"), Headers("news@remote.test"), CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Reject, refused.Verdict.Kind);
        Assert.Contains("From header ceo@local.test", Assert.Single(refused.Decisions).Describe());
        Assert.Equal(AgentVerdictKind.Continue, marked.Verdict.Kind);
        Assert.True(tagged.Tags.IsTrue(SenderFilterAgent.SpoofingTag));
        Assert.Contains(tagged.AddedHeaders, h => h.Key == "X-Mailflow-Spoofing");
        Assert.Equal(AgentVerdictKind.Continue, fine.Verdict.Kind);
    }

    [Fact]
    public async Task AntiSpoofing_Off_LetsOurDomainThrough()
    {
        var outcome = await Pipeline().MailFromAsync(Session(_ => { }), AgentTestContext.Message("ceo@local.test"), CancellationToken.None);

        Assert.Same(AgentOutcome.Nothing, outcome);
    }
}
