using System.Text;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Agents.AntiSpam;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mailflow.Server.Tests.Agents;

[CollectionDefinition(RspamdFixture.CollectionName)]
public sealed class RspamdCollection : ICollectionFixture<RspamdFixture>;

/// <summary>The anti-spam agent against a real Rspamd on loopback (started once for the collection).</summary>
[Collection(RspamdFixture.CollectionName)]
public sealed class AntiSpamAgentTests(RspamdFixture rspamd)
{
    private static readonly HttpClient Http = new();

    private static TransportAgentPipeline Pipeline() =>
        new([new AntiSpamAgent(new RspamdClient(Http))], TimeProvider.System, NullLogger<TransportAgentPipeline>.Instance);

    private ProtectionSettings Settings(Action<AntiSpamSettings>? change = null)
    {
        var settings = new ProtectionSettings { AntiSpam = { Enabled = true, RspamdUrl = rspamd.Server.Url.ToString(), TimeoutMilliseconds = 30_000 } };
        change?.Invoke(settings.AntiSpam);
        return settings;
    }

    private static AgentContent Content(string body)
    {
        var bytes = Encoding.ASCII.GetBytes(
            "From: Sender <sender@remote.test>\r\nTo: alice@local.test\r\nSubject: Quarterly report\r\n"
            + "Message-ID: <1234@remote.test>\r\nDate: Mon, 07 Dec 2026 06:00:00 +0000\r\n\r\n" + body + "\r\n");
        return new AgentContent(bytes.Length, _ => ValueTask.FromResult<Stream>(new MemoryStream(bytes)));
    }

    private static (AgentSession Session, AgentMessage Message) Envelope(ProtectionSettings settings)
    {
        var session = AgentTestContext.Session(AgentTestContext.Snapshot(settings), "203.0.113.9");
        session.HeloName = "mail.remote.test";
        var message = AgentTestContext.Message("sender@remote.test");
        message.Recipients.Add(new("alice@local.test"));
        return (session, message);
    }

    [Fact]
    public async Task Gtube_IsRejected550_WithScoreAndSymbolsInTheTrace()
    {
        var (session, message) = Envelope(Settings());

        var outcome = await Pipeline().EndOfDataAsync(session, message, Content($"Hello,\r\n{RspamdServer.Gtube}\r\n"), CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Reject, outcome.Verdict.Kind);
        Assert.Equal("550 5.7.1 Message rejected as spam\r\n", outcome.Verdict.Reply!.Render());
        var decision = Assert.Single(outcome.Decisions).Describe();
        Assert.Contains("Rspamd action 'reject'", decision);
        Assert.Contains("GTUBE", decision);
        Assert.Equal("9", message.Tags.Get(AgentTagNames.SpamConfidenceLevel));
        Assert.True(message.Tags.GetNumber(AgentTagNames.SpamScore) >= 15);
    }

    [Fact]
    public async Task OrdinaryMail_PassesWithItsScoreTagged()
    {
        var (session, message) = Envelope(Settings());

        var outcome = await Pipeline().EndOfDataAsync(session, message, Content("Hi Alice, the report is attached. Regards, Bob"), CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Continue, outcome.Verdict.Kind);
        Assert.Equal("scanned", message.Tags.Get(AntiSpamAgent.ResultTag));
        Assert.NotNull(message.Tags.GetNumber(AgentTagNames.SpamScore));
        // Offline, Rspamd's DNS-based checks (SPF, DKIM, RBLs) cannot pass, so a clean message still scores a few points.
        Assert.InRange(message.Tags.GetNumber(AgentTagNames.SpamConfidenceLevel)!.Value, 0, 8);
        Assert.Contains("score ", Assert.Single(outcome.Decisions).Describe());
    }

    [Fact]
    public async Task ScoreOverTheQuarantineThreshold_HoldsTheMessage()
    {
        var (session, message) = Envelope(Settings(s =>
        {
            s.RejectScore = null;
            s.FollowRspamdAction = false;
            s.QuarantineScore = 10;
        }));

        var outcome = await Pipeline().EndOfDataAsync(session, message, Content(RspamdServer.Gtube), CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Quarantine, outcome.Verdict.Kind);
        Assert.Contains("spam, score", outcome.Verdict.Detail);
    }

    [Fact]
    public async Task ScoreOverTheHeaderThreshold_AddsXSpamHeaders()
    {
        var (session, message) = Envelope(Settings(s =>
        {
            s.RejectScore = null;
            s.FollowRspamdAction = false;
            s.AddHeaderScore = 5;
        }));

        var outcome = await Pipeline().EndOfDataAsync(session, message, Content(RspamdServer.Gtube), CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Continue, outcome.Verdict.Kind);
        Assert.Contains(message.AddedHeaders, h => h.Key == "X-Spam-Flag" && h.Value == "YES");
        Assert.Contains(message.AddedHeaders, h => h.Key == "X-Spam-Status" && h.Value.StartsWith("Yes, score=", StringComparison.Ordinal));
    }

    [Fact]
    public async Task AuthenticatedSender_IsNotScanned_AndGetsSclMinusOne()
    {
        var (session, message) = Envelope(Settings());
        session.Identity = new SubmissionIdentity("bob@local.test", ["bob@local.test"], []);

        var outcome = await Pipeline().EndOfDataAsync(session, message, Content(RspamdServer.Gtube), CancellationToken.None);

        Assert.Equal(AgentVerdictKind.Continue, outcome.Verdict.Kind);
        Assert.Equal("-1", message.Tags.Get(AgentTagNames.SpamConfidenceLevel));
        Assert.Contains("authenticated as bob@local.test", Assert.Single(outcome.Decisions).Describe());
    }

    [Theory]
    [InlineData(ScannerFailureAction.TempFail)]
    [InlineData(ScannerFailureAction.AcceptAndTag)]
    public async Task RspamdDown_FollowsTheFailureSetting(ScannerFailureAction onFailure)
    {
        var (session, message) = Envelope(Settings(s =>
        {
            s.RspamdUrl = $"http://127.0.0.1:{FreePort.Get()}";
            s.OnFailure = onFailure;
        }));

        var outcome = await Pipeline().EndOfDataAsync(session, message, Content("hello"), CancellationToken.None);

        if (onFailure == ScannerFailureAction.TempFail)
        {
            Assert.Equal(AgentVerdictKind.TempFail, outcome.Verdict.Kind);
            Assert.StartsWith("451 4.7.1", outcome.Verdict.Reply!.Render());
        }
        else
        {
            Assert.Equal(AgentVerdictKind.Continue, outcome.Verdict.Kind);
            Assert.Equal("unscanned", message.Tags.Get(AntiSpamAgent.ResultTag));
        }
        Assert.Contains("Rspamd could not be asked", Assert.Single(outcome.Decisions).Describe());
    }

    [Fact]
    public async Task Disabled_DoesNothing()
    {
        var (session, message) = Envelope(Settings(s => s.Enabled = false));

        var outcome = await Pipeline().EndOfDataAsync(session, message, Content(RspamdServer.Gtube), CancellationToken.None);

        Assert.Same(AgentOutcome.Nothing, outcome);
        Assert.Empty(message.Tags);
    }
}
