using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Queue;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// The quarantine with a real Rspamd: GTUBE over the quarantine score is held with its reason, score
/// and symbols; "mark as spam" reaches Rspamd's controller; "release and allow the sender" sends it on
/// and lets that sender's next message skip anti-spam; delete and the retention cleanup remove held
/// messages; every action is audited.
/// </summary>
[Collection(RspamdFixture.CollectionName)]
public sealed class QuarantineWireTests(RspamdFixture rspamd, Xunit.Abstractions.ITestOutputHelper output) : IDisposable
{
    private readonly TestStores _stores = new();

    private static MimeMessage Spam(string from) => new()
    {
        From = { MailboxAddress.Parse(from) },
        To = { MailboxAddress.Parse($"postmaster@{MailflowHost.DefaultDomain}") },
        Subject = "Offer",
        Body = new TextPart("plain") { Text = RspamdServer.Gtube },
    };

    private async Task<MailflowHost> StartAsync()
    {
        var host = MailflowHost.Start(await _stores.CreateAsync(DatabaseProvider.Sqlite));
        var service = host.Get<ProtectionSettingsService>();
        var settings = await service.GetAsync();
        settings.AntiSpam.Enabled = true;
        settings.AntiSpam.RspamdUrl = rspamd.Server.Url.ToString();
        settings.AntiSpam.ControllerUrl = rspamd.Server.ControllerUrl.ToString();
        settings.AntiSpam.TimeoutMilliseconds = 30_000;
        settings.AntiSpam.RejectScore = null;
        settings.AntiSpam.FollowRspamdAction = false;
        settings.AntiSpam.QuarantineScore = 10;
        await service.UpdateAsync(AdminActor.System, settings);
        await host.WaitForLatestGenerationAsync();
        return host;
    }

    private static async Task<string> SendAsync(MailflowHost host, MimeMessage message)
    {
        using var client = new SmtpClient { Timeout = 60_000 };
        await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);
        var reply = await client.SendAsync(message);
        await client.DisconnectAsync(true);
        return reply;
    }

    private static async Task<QuarantinedMessage> WaitForHeldAsync(IQuarantine quarantine, string sender)
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (true)
        {
            if ((await quarantine.ListAsync()).FirstOrDefault(m => m.Sender == sender) is { } held)
                return held;
            await Task.Delay(100, timeout.Token);
        }
    }

    [Fact]
    public async Task HeldSpam_ShowsWhy_LearnsReleasesWithAllowDeletesAndExpires()
    {
        await using var host = await StartAsync();
        var quarantine = host.Get<IQuarantine>();
        var admin = new AdminActor("alice", AdminActor.System.Roles);

        await SendAsync(host, Spam("sender@fabrikam.test"));
        var held = await WaitForHeldAsync(quarantine, "sender@fabrikam.test");
        Assert.Equal(QuarantineSource.AntiSpam, held.Source);
        Assert.StartsWith("Held by a transport agent: spam, score", held.Reason);
        Assert.True(held.SpamScore >= 10, $"score {held.SpamScore}");
        Assert.Contains("GTUBE", held.Symbols);
        Assert.Equal(held.QueuedAt.AddDays(15), held.ExpiresAt);

        // "Mark as spam" reaches Rspamd's controller; its answer is shown as it came.
        var learnt = await quarantine.LearnAsync(admin, held.QueueId, spam: true);
        output.WriteLine($"Rspamd learnspam: HTTP {learnt.HttpStatus}, learned {learnt.Learned}: {learnt.Answer}");
        Assert.True(learnt.Learned);
        Assert.Equal(200, learnt.HttpStatus);
        Assert.Contains("\"success\":true", learnt.Answer);

        // Release and allow the sender: the message goes on, and the sender's next GTUBE is not scanned.
        Assert.True(await quarantine.ReleaseAsync(admin, held.QueueId, allowSender: true));
        Assert.Contains("sender@fabrikam.test", (await host.Get<ProtectionSettingsService>().GetAsync()).SenderFilter.AllowedSenders);
        Assert.Null(await quarantine.GetAsync(held.QueueId));
        await host.WaitForLatestGenerationAsync();
        Assert.StartsWith("2.6.0", await SendAsync(host, Spam("sender@fabrikam.test")));

        // Delete: gone without an NDR.
        await SendAsync(host, Spam("other@fabrikam.test"));
        var other = await WaitForHeldAsync(quarantine, "other@fabrikam.test");
        var ham = await quarantine.LearnAsync(admin, other.QueueId, spam: false);
        output.WriteLine($"Rspamd learnham: HTTP {ham.HttpStatus}, learned {ham.Learned}: {ham.Answer}");
        Assert.Equal((true, 200), (ham.Learned, ham.HttpStatus));
        Assert.True(await quarantine.DeleteAsync(admin, other.QueueId));
        Assert.False(await quarantine.DeleteAsync(admin, other.QueueId));

        // Expiry: the cleanup removes what was held longer than the retention, and nothing younger.
        await SendAsync(host, Spam("third@fabrikam.test"));
        var third = await WaitForHeldAsync(quarantine, "third@fabrikam.test");
        var expiry = host.Get<QuarantineExpiry>();
        Assert.Equal(0, await expiry.DeleteExpiredAsync(DateTimeOffset.UtcNow.AddDays(14), CancellationToken.None));
        Assert.Equal(1, await expiry.DeleteExpiredAsync(DateTimeOffset.UtcNow.AddDays(16), CancellationToken.None));
        Assert.Empty(await quarantine.ListAsync());

        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var messages = await db.QueuedMessages.AsNoTracking().Include(m => m.Recipients).ToListAsync();
        Assert.Equal("bypassed", MessageTags.Parse(messages.Single(m => m.Sender == "sender@fabrikam.test" && m.QueueId != held.QueueId).AgentTags)["spam.result"]);
        var audit = await db.AuditEntries.AsNoTracking().ToListAsync();
        Assert.Contains(audit, a => a.Actor == "alice" && a.Action == Mailflow.Auditing.AuditAction.Release && a.ObjectId == held.QueueId);
        Assert.Contains(audit, a => a.Actor == "alice" && a.Action == Mailflow.Auditing.AuditAction.Remove && a.ObjectId == other.QueueId);
        Assert.Contains(audit, a => a.Actor == "quarantine expiry" && a.Action == Mailflow.Auditing.AuditAction.Remove && a.ObjectId == third.QueueId);
        Assert.Contains(audit, a => a.Actor == "alice" && a.ObjectType == nameof(ProtectionSettings) && a.After!.Contains("sender@fabrikam.test"));
    }

    public void Dispose() => _stores.Dispose();
}
