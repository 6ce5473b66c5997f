using System.Net.Sockets;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Security;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// Rate limits on the wire: the whole server counts connections and messages per client address and
/// recipients per authenticated sender, answers 421 4.7.0 / 451 4.7.1 over a limit, and — with "block
/// the user when the limit is reached" — stores the sender as blocked (550 5.7.1 on every session)
/// until an admin unblocks it.
/// </summary>
public sealed class RateLimitWireTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private const string User = "bob@contoso.test";
    private const string Password = "bobs-submission-pass";
    private readonly TestStores _stores = new(postgres);

    private async Task<MailflowHost> StartAsync(DatabaseProvider provider, Action<RateLimitSettings> limits)
    {
        var host = MailflowHost.Start(await _stores.CreateAsync(provider));
        var recipients = host.Get<RecipientService>();
        var bob = await recipients.CreateAsync(AdminActor.System, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = User });
        await recipients.SetSubmissionPasswordAsync(AdminActor.System, bob.Id, bob.Revision, Password);
        foreach (var name in new[] { "alice", "carol", "dave", "erin" })
            await recipients.CreateAsync(AdminActor.System, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = $"{name}@{MailflowHost.DefaultDomain}" });
        var settings = host.Get<ProtectionSettingsService>();
        var current = await settings.GetAsync();
        limits(current.RateLimits);
        await settings.UpdateAsync(AdminActor.System, current);
        await host.WaitForLatestGenerationAsync();
        return host;
    }

    private static MimeMessage Message(params string[] to)
    {
        var message = new MimeMessage { Subject = "Hello", Body = new TextPart("plain") { Text = "Hi." } };
        message.From.Add(MailboxAddress.Parse(User));
        foreach (var address in to)
            message.To.Add(MailboxAddress.Parse($"{address}@{MailflowHost.DefaultDomain}"));
        return message;
    }

    private static async Task<SmtpClient> SubmissionAsync(MailflowHost host)
    {
        var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(User, Password);
        return client;
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task SenderOverItsRecipientLimit_Gets451_IsStoredAsBlocked_UntilAnAdminUnblocks(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider, l => { l.SenderRecipientsPerHour = 3; l.BlockSenderWhenLimitReached = true; });

        using (var client = await SubmissionAsync(host))
        {
            Assert.StartsWith("2.6.0", await client.SendAsync(Message("alice", "carol")));
            // The fourth recipient this hour is one too many: 451 4.7.1, and the account is blocked.
            var over = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("dave", "erin")));
            Assert.Equal(451, (int)over.StatusCode);
            Assert.Contains("Too many recipients in the last hour; this account is now blocked from sending until an administrator unblocks it", over.Message);
            // The same session may not send anything more, even within the limit.
            var blocked = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("alice")));
            Assert.Equal(550, (int)blocked.StatusCode);
            Assert.Contains("This account is blocked from sending", blocked.Message);
            await client.DisconnectAsync(true);
        }

        // Stored, so every node (and every new session on the next generation) sees it; the block is audited.
        await host.WaitForLatestGenerationAsync();
        await using (var db = TestStores.OpenContext(host.Get<StoreSettings>()))
        {
            var stored = Assert.Single(await db.BlockedSenders.AsNoTracking().ToListAsync());
            Assert.Equal(User, stored.UserName);
            Assert.Equal("Recipients per sender per hour: 3", stored.Reason);
            Assert.Contains(await db.AuditEntries.AsNoTracking().ToListAsync(), a => a.Actor == "rate limit" && a.ObjectName == User);
        }
        using (var client = await SubmissionAsync(host))
        {
            var stillBlocked = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("alice")));
            Assert.Equal(550, (int)stillBlocked.StatusCode);
        }

        var service = host.Get<BlockedSenderService>();
        await service.UnblockAsync(AdminActor.System, (await service.ListAsync()).Single().Id);
        await host.WaitForLatestGenerationAsync();
        using (var client = await SubmissionAsync(host))
        {
            Assert.StartsWith("2.6.0", await client.SendAsync(Message("alice")));
            await client.DisconnectAsync(true);
        }
    }

    [Fact]
    public async Task SenderOverItsMessageLimit_WithoutBlocking_Gets451AndIsNotStored()
    {
        await using var host = await StartAsync(DatabaseProvider.Sqlite, l => l.SenderMessagesPerMinute = 2);

        using var client = await SubmissionAsync(host);
        Assert.StartsWith("2.6.0", await client.SendAsync(Message("alice")));
        Assert.StartsWith("2.6.0", await client.SendAsync(Message("carol")));
        var over = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("dave")));

        Assert.Equal(451, (int)over.StatusCode);
        Assert.Contains("4.7.1 Too many messages in the last minute, try again later", over.Message);
        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        Assert.Empty(await db.BlockedSenders.AsNoTracking().ToListAsync());
        var counter = Assert.Single(host.Get<RateLimitCounters>().Current(), c => c.Kind == RateLimitKind.SenderMessagesPerMinute);
        Assert.Equal((User, 2, 2, true), (counter.Key, counter.Used, counter.Limit, counter.Throttled));
    }

    [Fact]
    public async Task ClientOverTheConnectionLimit_Gets421InsteadOfTheBanner_UntilTheCounterIsReset()
    {
        await using var host = await StartAsync(DatabaseProvider.Sqlite, l => l.ConnectionsPerIpPerMinute = 2);
        var port = host.PortOf("Default Frontend");

        var first = await ReadGreetingAsync(port);
        var second = await ReadGreetingAsync(port);
        var third = await ReadGreetingAsync(port);
        Assert.True(host.Get<RateLimitCounters>().Reset(RateLimitKind.ConnectionsPerIp, "127.0.0.1"));
        var afterReset = await ReadGreetingAsync(port);

        Assert.StartsWith("220 ", first);
        Assert.StartsWith("220 ", second);
        Assert.StartsWith("421 4.7.0 Too many connections from your address in the last minute, try again later", third);
        Assert.StartsWith("220 ", afterReset);
    }

    [Fact]
    public async Task AnonymousClientOverTheMessageLimit_Gets451AtMailFrom()
    {
        await using var host = await StartAsync(DatabaseProvider.Sqlite, l => l.MessagesPerIpPerMinute = 1);

        using var client = new SmtpClient { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);
        var anonymous = Message("alice");
        anonymous.From.Clear();
        anonymous.From.Add(MailboxAddress.Parse("someone@fabrikam.test"));
        Assert.StartsWith("2.6.0", await client.SendAsync(anonymous));
        var over = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(anonymous));

        Assert.Equal(451, (int)over.StatusCode);
        Assert.Equal(SmtpErrorCode.SenderNotAccepted, over.ErrorCode);
        Assert.Contains("4.7.1 Too many messages from your address in the last minute, try again later", over.Message);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task OutboundOverTheDomainLimit_WaitsInTheQueue_WithoutAnAttemptCounted(DatabaseProvider provider)
    {
        await using var remote = LoopbackSmtpServer.Start();
        await using var host = await StartAsync(provider, l => l.OutboundMessagesPerDomainPerMinute = 1);
        await host.Get<SendConnectorService>().CreateAsync(AdminActor.System, new SendConnector
        {
            Name = "Outbound via smart host",
            AddressSpaces = [new AddressSpace("*")],
            RoutingMethod = SendRoutingMethod.SmartHost,
            SmartHosts = [$"127.0.0.1:{remote.Port}"],
        });
        await host.WaitForLatestGenerationAsync();

        using (var client = await SubmissionAsync(host))
        {
            foreach (var subject in new[] { "first", "second" })
            {
                var message = Message();
                message.To.Add(MailboxAddress.Parse("carol@fabrikam.test"));
                message.Subject = subject;
                await client.SendAsync(message);
            }
            await client.DisconnectAsync(true);
        }

        Assert.Single(await remote.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)));
        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var deadline = DateTime.UtcNow.AddSeconds(30);
        Mailflow.Tracking.MessageTrackingEvent? held = null;
        while (held is null && DateTime.UtcNow < deadline)
        {
            await host.Get<Mailflow.Server.Transport.Tracking.MessageTracker>().FlushAsync();
            held = await db.MessageTrackingEvents.AsNoTracking().FirstOrDefaultAsync(e => e.Kind == Mailflow.Tracking.MessageTrackingEventKind.Defer);
            await Task.Delay(200);
        }
        Assert.NotNull(held);
        Assert.Equal("451 4.7.1 Outbound rate limit for fabrikam.test reached (1 messages per minute); waiting in the queue", held.Reply);
        var waiting = await db.QueuedRecipients.AsNoTracking().SingleAsync(r => r.Status != Mailflow.Queue.QueuedRecipientStatus.Delivered);
        Assert.Equal(0, waiting.AttemptCount);
        Assert.True(waiting.NextRetryAt > DateTimeOffset.UtcNow.AddSeconds(30), $"waits about a minute, not {waiting.NextRetryAt}");
        Assert.Single(remote.Messages);
    }

    private static async Task<string> ReadGreetingAsync(int port)
    {
        using var tcp = new TcpClient();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15));
        await tcp.ConnectAsync("127.0.0.1", port, timeout.Token);
        var stream = tcp.GetStream();
        var buffer = new byte[1024];
        var read = await stream.ReadAsync(buffer, timeout.Token);
        return Encoding.ASCII.GetString(buffer, 0, read);
    }

    public void Dispose() => _stores.Dispose();
}
