using System.Text;
using Mailflow.Configuration;
using Mailflow.Server.Tests.Receive;
using Mailflow.Server.Tests.Receive.Fakes;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Smtp;

namespace Mailflow.Server.Tests.Agents;

/// <summary>The session acts on what agents decide: the reply the client sees, what is stored, what is recorded.</summary>
public sealed class SessionAgentTests
{
    private const string Message = "From: a@remote.test\r\nTo: alice@local.test\r\nSubject: hello\r\n\r\nbody\r\n";

    private static readonly ReceivePolicy Submission = SessionScript.DefaultPolicy with
    {
        PermissionGroups = ReceivePermissionGroups.AuthenticatedUsers,
        OfferBasicAuth = true,
        BasicAuthRequiresTls = false,
    };

    private sealed class RecordingDecisions : IAgentDecisionLog
    {
        public List<(AgentDecision Decision, string? QueueId, string Sender)> Recorded { get; } = [];

        public void Record(AgentSession session, AgentMessage? message, IReadOnlyList<AgentDecision> decisions, string? queueId)
        {
            foreach (var decision in decisions)
                Recorded.Add((decision, queueId, message?.SenderAddress ?? ""));
        }
    }

    private static async Task SendMessageAsync(SessionScript s, string expect, string body = Message)
    {
        await s.SendAsync("MAIL FROM:<a@remote.test>", "250");
        await s.SendAsync("RCPT TO:<alice@local.test>", "250");
        await s.SendAsync("DATA", "354");
        await s.SendAsync(body + ".", expect);
    }

    [Fact]
    public async Task A_connect_reject_replaces_the_banner_with_554_and_closes()
    {
        var block = new ScriptedAgent("Block", 200, AgentEvents.Connect) { Verdict = AgentVerdict.Reject(new SmtpReply(550, "5.7.1", "Client host [198.51.100.7] blocked")) };
        var decisions = new RecordingDecisions();
        await using var s = await SessionScript.StartAsync(readGreeting: false, decisions: decisions, extraAgents: [block]);
        await s.ExpectAsync("554 5.7.1 Client host [198.51.100.7] blocked");
        await s.ExpectClosedAsync();
        Assert.Equal(AgentEvents.Connect, Assert.Single(decisions.Recorded).Decision.Event);
    }

    [Fact]
    public async Task A_connect_tempfail_is_421()
    {
        var busy = new ScriptedAgent("Busy", 200, AgentEvents.Connect) { Verdict = AgentVerdict.TempFail(new SmtpReply(451, "4.7.1", "Try later")) };
        await using var s = await SessionScript.StartAsync(readGreeting: false, extraAgents: [busy]);
        await s.ExpectAsync("421 4.7.1 Try later");
        await s.ExpectClosedAsync();
    }

    [Fact]
    public async Task A_recipient_an_agent_rejects_gets_its_reply_and_the_session_goes_on()
    {
        var dnsbl = new ScriptedAgent("Dnsbl", 250, AgentEvents.RcptTo) { Verdict = AgentVerdict.Reject(new SmtpReply(550, "5.7.1", "Listed by zen.example"), "127.0.0.2") };
        var decisions = new RecordingDecisions();
        await using var s = await SessionScript.StartAsync(decisions: decisions, extraAgents: [dnsbl]);
        await s.EhloAsync();
        await s.SendAsync("MAIL FROM:<a@remote.test>", "250");
        await s.SendAsync("RCPT TO:<alice@local.test>", "550 5.7.1 Listed by zen.example");
        await s.SendAsync("NOOP", "250");
        var recorded = Assert.Single(decisions.Recorded);
        Assert.Null(recorded.QueueId);
        Assert.Equal("a@remote.test", recorded.Sender);
        Assert.Equal("alice@local.test", recorded.Decision.Recipient);
    }

    [Fact]
    public async Task Headers_and_tags_an_agent_adds_at_end_of_data_are_stored_with_the_message()
    {
        var tagger = new ScriptedAgent("Tagger", 400, AgentEvents.EndOfData)
        {
            Verdict = AgentVerdict.ContinueWith("scored 1.5"),
            OnMessage = m =>
            {
                m.AddHeader("X-Spam-Score", "1.5");
                m.Tags.Set(AgentTagNames.SpamScore, 1.5);
            },
        };
        var sink = new RecordingSink();
        var decisions = new RecordingDecisions();
        await using var s = await SessionScript.StartAsync(sink: sink, decisions: decisions, extraAgents: [tagger]);
        await s.EhloAsync();
        await SendMessageAsync(s, "250 2.6.0");
        var stored = Assert.Single(sink.Committed);
        Assert.StartsWith("X-Spam-Score: 1.5\r\nReceived: from client.example", stored.Text);
        Assert.Equal("1.5", stored.Tags![AgentTagNames.SpamScore]);
        var recorded = Assert.Single(decisions.Recorded);
        Assert.Equal(stored.QueueId, recorded.QueueId);
    }

    [Fact]
    public async Task An_end_of_data_agent_reads_the_message_as_it_will_be_stored()
    {
        string? seen = null;
        var capture = new ContentCapturingAgent(text => seen = text);
        var sink = new RecordingSink();
        await using var s = await SessionScript.StartAsync(sink: sink, extraAgents: [capture]);
        await s.EhloAsync();
        await SendMessageAsync(s, "250 2.6.0");
        Assert.Equal(Assert.Single(sink.Committed).Text, seen);
        Assert.EndsWith("Subject: hello\r\n\r\nbody\r\n", seen);
    }

    [Fact]
    public async Task An_end_of_data_reject_stores_nothing_and_is_recorded_without_a_queue_id()
    {
        var av = new ScriptedAgent("AntiMalware", 450, AgentEvents.EndOfData) { Verdict = AgentVerdict.Reject(new SmtpReply(554, "5.7.1", "Malware found"), "Eicar-Test-Signature") };
        var sink = new RecordingSink();
        var decisions = new RecordingDecisions();
        await using var s = await SessionScript.StartAsync(sink: sink, decisions: decisions, extraAgents: [av]);
        await s.EhloAsync();
        await SendMessageAsync(s, "554 5.7.1 Malware found");
        Assert.Empty(sink.Committed);
        Assert.Equal(1, sink.Aborted);
        Assert.Null(Assert.Single(decisions.Recorded).QueueId);
        await s.SendAsync("NOOP", "250"); // the session goes on
    }

    [Fact]
    public async Task An_end_of_data_tempfail_is_the_agent_s_4xx()
    {
        var down = new ScriptedAgent("Scanner", 450, AgentEvents.EndOfData) { Answer = (_, _) => throw new IOException("clamd down") };
        var sink = new RecordingSink();
        await using var s = await SessionScript.StartAsync(sink: sink, extraAgents: [down]);
        await s.EhloAsync();
        await SendMessageAsync(s, "451 4.7.1");
        Assert.Empty(sink.Committed);
    }

    [Fact]
    public async Task A_discard_answers_250_and_stores_nothing()
    {
        var delete = new ScriptedAgent("Deleter", 450, AgentEvents.EndOfData) { Verdict = AgentVerdict.Discard("rule said so") };
        var sink = new RecordingSink();
        var decisions = new RecordingDecisions();
        await using var s = await SessionScript.StartAsync(sink: sink, decisions: decisions, extraAgents: [delete]);
        await s.EhloAsync();
        var reply = await SendMessageAsync2(s);
        Assert.Contains("<D", reply);
        Assert.Empty(sink.Committed);
        Assert.StartsWith("D", Assert.Single(decisions.Recorded).QueueId);
    }

    [Fact]
    public async Task A_quarantine_verdict_stores_the_message_with_the_reason()
    {
        var hold = new ScriptedAgent("AntiSpam", 420, AgentEvents.EndOfData) { Verdict = AgentVerdict.Quarantine("spam score 12 over 10") };
        var sink = new RecordingSink();
        await using var s = await SessionScript.StartAsync(sink: sink, extraAgents: [hold]);
        await s.EhloAsync();
        await SendMessageAsync(s, "250 2.6.0");
        Assert.Equal("spam score 12 over 10", Assert.Single(sink.Committed).Tags![AgentTagNames.QuarantineReason]);
    }

    [Fact]
    public async Task A_correct_password_an_agent_refuses_leaves_the_session_unauthenticated()
    {
        var blocked = new ScriptedAgent("OutboundSpam", 300, AgentEvents.Auth) { Verdict = AgentVerdict.Reject(new SmtpReply(550, "5.7.1", "This account is blocked from sending")) };
        await using var s = await SessionScript.StartAsync(Submission, authenticator: new FakeAuthenticator(), extraAgents: [blocked]);
        await s.EhloAsync();
        await s.SendAsync($"AUTH PLAIN {Base64($"\0{FakeAuthenticator.User}\0{FakeAuthenticator.Password}")}", "550 5.7.1 This account is blocked");
        await s.SendAsync("MAIL FROM:<alice@local.test>", "530 5.7.0");
    }

    [Fact]
    public async Task Authenticated_submissions_without_message_id_or_date_get_both()
    {
        var sink = new RecordingSink();
        await using var s = await SessionScript.StartAsync(Submission, sink: sink, authenticator: new FakeAuthenticator());
        await s.EhloAsync();
        await s.SendAsync($"AUTH PLAIN {Base64($"\0{FakeAuthenticator.User}\0{FakeAuthenticator.Password}")}", "235");
        await s.SendAsync("MAIL FROM:<alice@local.test>", "250");
        await s.SendAsync("RCPT TO:<x@remote.test>", "250");
        await s.SendAsync("DATA", "354");
        await s.SendAsync("From: alice@local.test\r\nSubject: no ids\r\n\r\nhi\r\n.", "250 2.6.0");
        var text = Assert.Single(sink.Committed).Text;
        Assert.Matches(@"^Message-ID: <[^@>]+@mx\.local\.test>\r\nDate: Mon, 24 Nov 2025 10:00:00 \+0000\r\nReceived: ", text);
    }

    [Fact]
    public async Task Anonymous_mail_and_mail_that_has_a_message_id_are_left_alone()
    {
        var sink = new RecordingSink();
        await using var s = await SessionScript.StartAsync(sink: sink);
        await s.EhloAsync();
        await SendMessageAsync(s, "250 2.6.0");
        Assert.StartsWith("Received: ", Assert.Single(sink.Committed).Text);
    }

    private static async Task<string> SendMessageAsync2(SessionScript s)
    {
        await s.SendAsync("MAIL FROM:<a@remote.test>", "250");
        await s.SendAsync("RCPT TO:<alice@local.test>", "250");
        await s.SendAsync("DATA", "354");
        return await s.SendAsync(Message + ".", "250 2.6.0");
    }

    private static string Base64(string text) => Convert.ToBase64String(Encoding.UTF8.GetBytes(text));

    private sealed class ContentCapturingAgent(Action<string> seen) : ITransportAgent
    {
        public string Name => "Capture";
        public string DisplayName => "Capture";
        public string Description => "test";
        public AgentEvents Events => AgentEvents.EndOfData;
        public int DefaultPriority => 400;

        public async ValueTask<AgentVerdict> OnEndOfDataAsync(AgentSession session, AgentMessage message, AgentContent content, CancellationToken cancellationToken)
        {
            await using var stream = await content.OpenReadAsync(cancellationToken);
            using var reader = new StreamReader(stream, Encoding.UTF8);
            seen(await reader.ReadToEndAsync(cancellationToken));
            return AgentVerdict.Continue;
        }
    }
}
