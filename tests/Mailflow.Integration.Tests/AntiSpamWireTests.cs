using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Tracking;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

[CollectionDefinition(RspamdFixture.CollectionName)]
public sealed class RspamdCollection : ICollectionFixture<RspamdFixture>;

/// <summary>
/// Anti-spam on the wire with a real Rspamd: GTUBE is refused with 550 5.7.1 before the 250, and with
/// a quarantine threshold instead the message is stored, tagged with its score and held in quarantine.
/// </summary>
[Collection(RspamdFixture.CollectionName)]
public sealed class AntiSpamWireTests(RspamdFixture rspamd) : IDisposable
{
    private readonly TestStores _stores = new();

    private static MimeMessage Message(string subject, string body) => new()
    {
        From = { MailboxAddress.Parse("sender@fabrikam.test") },
        To = { MailboxAddress.Parse($"postmaster@{MailflowHost.DefaultDomain}") },
        Subject = subject,
        Body = new TextPart("plain") { Text = body },
    };

    private async Task<MailflowHost> StartAsync(Action<AntiSpamSettings> configure)
    {
        var host = MailflowHost.Start(await _stores.CreateAsync(DatabaseProvider.Sqlite));
        var service = host.Get<ProtectionSettingsService>();
        var settings = await service.GetAsync();
        settings.AntiSpam.Enabled = true;
        settings.AntiSpam.RspamdUrl = rspamd.Server.Url.ToString();
        settings.AntiSpam.TimeoutMilliseconds = 30_000;
        configure(settings.AntiSpam);
        await service.UpdateAsync(AdminActor.System, settings);
        await host.WaitForLatestGenerationAsync();
        return host;
    }

    [Fact]
    public async Task Gtube_IsRefused550_OrdinaryMailIsQueuedWithItsScore()
    {
        await using var host = await StartAsync(_ => { });

        using var client = new SmtpClient { Timeout = 60_000 };
        await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("Offer", $"Buy now\r\n{RspamdServer.Gtube}")));
        var queued = await client.SendAsync(Message("Lunch", "Lunch on Friday at noon? Bob"));
        await client.DisconnectAsync(true);

        Assert.Equal(550, (int)refused.StatusCode);
        Assert.Contains("5.7.1 Message rejected as spam", refused.Message);
        Assert.StartsWith("2.6.0", queued);
        await host.Get<MessageTracker>().FlushAsync();
        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var stored = await db.QueuedMessages.AsNoTracking().SingleAsync();
        Assert.Equal("Lunch", stored.Subject);
        Assert.NotNull(MessageTags.Parse(stored.AgentTags).GetValueOrDefault("spam.score"));
        var refusal = await db.MessageTrackingEvents.AsNoTracking().SingleAsync(e => e.Kind == MessageTrackingEventKind.Agent && e.ReplyCode == 550);
        Assert.Contains("Anti-spam (Rspamd) at end of data: rejected", refusal.Detail);
        Assert.Contains("GTUBE", refusal.Detail);
    }

    [Fact]
    public async Task OverTheQuarantineScore_TheMessageIsHeldInQuarantine()
    {
        await using var host = await StartAsync(s =>
        {
            s.RejectScore = null;
            s.FollowRspamdAction = false;
            s.QuarantineScore = 10;
        });

        using (var client = new SmtpClient { Timeout = 60_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);
            Assert.StartsWith("2.6.0", await client.SendAsync(Message("Offer", RspamdServer.Gtube)));
            await client.DisconnectAsync(true);
        }

        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        QueuedMessage message;
        while ((message = await db.QueuedMessages.AsNoTracking().SingleAsync()).State != QueuedMessageState.Quarantined)
            await Task.Delay(100, timeout.Token);
        Assert.StartsWith("spam, score", MessageTags.Parse(message.AgentTags)["quarantine.reason"]);
        await host.Get<MessageTracker>().FlushAsync();
        Assert.True(await db.MessageTrackingEvents.AsNoTracking().AnyAsync(e => e.Kind == MessageTrackingEventKind.Quarantine && e.Detail!.StartsWith("Held by a transport agent: spam")));
    }

    [Fact]
    public async Task OverThePrependSubjectScore_TheStoredSubjectGetsThePrefix_AndTheMessageIsMarkedForArcSealing()
    {
        await using var host = await StartAsync(s =>
        {
            s.RejectScore = null;
            s.FollowRspamdAction = false;
            s.AddHeaderScore = null;
            s.PrependSubjectScore = 10;
            s.SubjectPrefix = "[Probably spam]";
        });

        using (var client = new SmtpClient { Timeout = 60_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);
            Assert.StartsWith("2.6.0", await client.SendAsync(Message("Offer", RspamdServer.Gtube)));
            Assert.StartsWith("2.6.0", await client.SendAsync(Message("Lunch", "Lunch on Friday at noon? Bob")));
            await client.DisconnectAsync(true);
        }

        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        List<QueuedMessage> messages;
        while ((messages = await db.QueuedMessages.AsNoTracking().OrderBy(m => m.Id).ToListAsync(timeout.Token)).Any(m => m.State == QueuedMessageState.Submitted))
            await Task.Delay(100, timeout.Token);
        var store = host.Get<Mailflow.Server.Transport.Queue.QueueStore>();
        var (spam, ham) = (messages[0], messages[1]);
        Assert.Equal("[Probably spam] Offer", spam.Subject);
        Assert.True(await store.VerifyContentAsync(spam.Id, timeout.Token), "the rewritten content hashes to its recorded SHA-256");
        await using (var content = (await store.LoadContentAsync(spam.Id, timeout.Token))!)
        {
            var stored = await MimeMessage.LoadAsync(content, timeout.Token);
            Assert.Equal("[Probably spam] Offer", stored.Subject);
            Assert.Single(stored.Headers, h => h.Id == HeaderId.Subject);
            Assert.Null(stored.Headers["X-Spam-Flag"]);
        }
        // The delivery's ARC sealer seals what carries this reason: we changed the message after its signatures were made.
        Assert.Equal("subject marked as spam", MessageTags.Parse(spam.AgentTags)[Mailflow.Server.Transport.Authentication.AuthenticationTagNames.ArcSealReason]);
        Assert.Equal("Lunch", ham.Subject);
        Assert.False(MessageTags.Parse(ham.AgentTags).ContainsKey(Mailflow.Server.Transport.Authentication.AuthenticationTagNames.ArcSealReason));
        await host.Get<MessageTracker>().FlushAsync();
        Assert.True(await db.MessageTrackingEvents.AsNoTracking().AnyAsync(e => e.QueueId == spam.QueueId && e.Detail == "Anti-spam put “[Probably spam]” in front of the subject"));
    }

    public void Dispose() => _stores.Dispose();
}
