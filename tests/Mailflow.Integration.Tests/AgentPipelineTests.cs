using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Queue;
using Mailflow.Smtp;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// An agent registered on the real server runs on the wire: its refusal reaches the client and the
/// trace, its headers and tags are stored with the message (content hash intact), mail flow rules
/// read its spam level, and its quarantine verdict holds the message — on both stores.
/// </summary>
public sealed class AgentPipelineTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly TestStores stores = new(postgres);

    /// <summary>Refuses one recipient at RCPT; at end of data stamps a header, scores the message, and holds "hold me" mail.</summary>
    private sealed class TestFilterAgent : ITransportAgent
    {
        public string Name => "TestFilter";
        public string DisplayName => "Test filter";
        public string Description => "integration test agent";
        public AgentEvents Events => AgentEvents.RcptTo | AgentEvents.EndOfData;
        public int DefaultPriority => 50; // before the relay check, so its refusal is the one the client sees

        public ValueTask<AgentVerdict> OnRcptToAsync(AgentSession session, AgentMessage message, AgentRecipient recipient, CancellationToken cancellationToken) =>
            new(recipient.Address.LocalPart == "blocked"
                ? AgentVerdict.Reject(new SmtpReply(550, "5.7.1", "Recipient blocked by the test filter"), "blocked recipient")
                : AgentVerdict.Continue);

        public async ValueTask<AgentVerdict> OnEndOfDataAsync(AgentSession session, AgentMessage message, AgentContent content, CancellationToken cancellationToken)
        {
            var headers = await content.GetHeadersAsync(cancellationToken);
            message.AddHeader("X-Test-Filter", "seen");
            message.Tags.Set(AgentTagNames.SpamConfidenceLevel, 7);
            return headers[HeaderId.Subject]?.Contains("hold me", StringComparison.Ordinal) == true
                ? AgentVerdict.Quarantine("the subject asked for it")
                : AgentVerdict.ContinueWith("scored SCL 7");
        }
    }

    private static MimeMessage Message(string subject, string to = "postmaster@contoso.test") => new()
    {
        From = { MailboxAddress.Parse("alice@fabrikam.test") },
        To = { MailboxAddress.Parse(to) },
        Subject = subject,
        Body = new TextPart("plain") { Text = "Hello." },
    };

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task An_agent_refuses_tags_stamps_and_quarantines_on_the_wire(DatabaseProvider provider)
    {
        await using var host = MailflowHost.Start(await stores.CreateAsync(provider), services: s => s.AddTransportAgent<TestFilterAgent>());
        // A rule reading the agent's spam level: SCL ≥ 5 → prepend "[SPAM] " to the subject.
        await host.Get<TransportRuleService>().CreateAsync(AdminActor.System, new TransportRule
        {
            Name = "Tag spam",
            Definition = new RuleDefinition
            {
                Conditions = [new RulePredicate { Kind = "SclAtLeast", Values = ["5"] }],
                Actions = [new RuleAction { Kind = "PrependSubject", Arguments = { ["Text"] = "[SPAM] " } }],
            },
        });
        await host.WaitForLatestGenerationAsync();

        using var client = new SmtpClient { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("to the blocked one", "blocked@contoso.test")));
        await client.SendAsync(Message("An ordinary note"));
        await client.SendAsync(Message("Please hold me"));
        await client.DisconnectAsync(true);

        Assert.Equal(550, (int)refused.StatusCode);
        Assert.Contains("Recipient blocked by the test filter", refused.Message);

        var store = host.Get<QueueStore>();
        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        List<QueuedMessage> messages;
        do
        {
            await Task.Delay(100, wait.Token);
            messages = await db.QueuedMessages.AsNoTracking().OrderBy(m => m.Id).ToListAsync(wait.Token);
        }
        while (!messages.Any(m => m.State == QueuedMessageState.Quarantined) || messages.Any(m => m.State == QueuedMessageState.Submitted));

        Assert.Equal(2, messages.Count);
        foreach (var message in messages)
        {
            Assert.Equal("7", MessageTags.Parse(message.AgentTags)[AgentTagNames.SpamConfidenceLevel]);
            Assert.True(await store.VerifyContentAsync(message.Id, wait.Token), "the stored content hashes to its recorded SHA-256");
            await using var content = (await store.LoadContentAsync(message.Id, wait.Token))!;
            var parsed = await MimeMessage.LoadAsync(content, wait.Token);
            Assert.Equal("seen", parsed.Headers["X-Test-Filter"]);
            Assert.StartsWith("[SPAM] ", parsed.Subject);
        }
        var held = messages.Single(m => m.State == QueuedMessageState.Quarantined);
        Assert.Contains("hold me", held.Subject);

        await host.Get<Mailflow.Server.Transport.Tracking.MessageTracker>().FlushAsync(wait.Token);
        var agentEvents = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.Kind == MessageTrackingEventKind.Agent || e.Kind == MessageTrackingEventKind.Quarantine).ToListAsync(wait.Token);
        var rcptRefusal = Assert.Single(agentEvents, e => e.QueueId == null);
        Assert.Equal("blocked@contoso.test", rcptRefusal.Recipients);
        Assert.Equal(550, rcptRefusal.ReplyCode);
        Assert.Contains("Test filter at RCPT TO (blocked@contoso.test): rejected", rcptRefusal.Detail);
        Assert.Contains(agentEvents, e => e.QueueId == held.QueueId && e.Kind == MessageTrackingEventKind.Quarantine && e.Detail!.Contains("the subject asked for it"));
        Assert.Contains(agentEvents, e => e.QueueId == messages[0].QueueId && e.Detail!.Contains("Test filter at end of data: passed — scored SCL 7"));
    }

    public void Dispose() => stores.Dispose();
}
