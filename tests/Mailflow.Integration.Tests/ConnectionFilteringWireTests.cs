using System.Net.Sockets;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Server.Transport.Tracking;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// Connection filtering on the wire: the whole server asks a DNS block list on loopback about the
/// client (127.0.0.1), refuses with the list's reason, records why in the trace, and lets the client
/// in once an admin puts it on the IP allow list.
/// </summary>
public sealed class ConnectionFilteringWireTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncDisposable
{
    private const string ListedName = "1.0.0.127.bl.test";
    private const string Reason = "127.0.0.1 is listed, see https://bl.test/lookup";
    private readonly TestStores _stores = new(postgres);
    private readonly LoopbackDnsServer _dns = new();

    private async Task<MailflowHost> StartAsync(DatabaseProvider provider, DnsBlockListCheckPoint checkAt)
    {
        _dns.A(ListedName, "127.0.0.2", ttl: 0).Txt(ListedName, Reason, ttl: 0);
        var host = MailflowHost.Start(await _stores.CreateAsync(provider), new Dictionary<string, string?>
        {
            ["Mailflow:Dns:Servers:0"] = $"127.0.0.1:{_dns.EndPoint.Port}",
            ["Mailflow:Dns:TimeoutMilliseconds"] = "2000",
        });
        await host.Get<RecipientService>().CreateAsync(AdminActor.System, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = $"alice@{MailflowHost.DefaultDomain}" });
        var settings = host.Get<ProtectionSettingsService>();
        var current = await settings.GetAsync();
        current.ConnectionFilter = new ConnectionFilterSettings { CheckAt = checkAt, Zones = [new DnsBlockList { Zone = "bl.test" }] };
        await settings.UpdateAsync(AdminActor.System, current);
        await host.WaitForLatestGenerationAsync();
        return host;
    }

    private static MimeMessage Message(string to) => new()
    {
        From = { MailboxAddress.Parse("sender@fabrikam.test") },
        To = { MailboxAddress.Parse(to) },
        Subject = "Hello",
        Body = new TextPart("plain") { Text = "Hi." },
    };

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ListedClient_IsRefusedAtRcpt_PostmasterStillReachable_TraceSaysWhy_AllowListLetsItIn(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider, DnsBlockListCheckPoint.Recipient);
        var port = host.PortOf("Default Frontend");

        using (var client = new SmtpClient { Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
            var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message($"alice@{MailflowHost.DefaultDomain}")));
            Assert.Equal(550, (int)refused.StatusCode);
            Assert.Contains($"5.7.1 Service unavailable; client [127.0.0.1] blocked using bl.test; {Reason}", refused.Message);
            var toPostmaster = await client.SendAsync(Message($"postmaster@{MailflowHost.DefaultDomain}"));
            Assert.StartsWith("2.6.0", toPostmaster);
            await client.DisconnectAsync(true);
        }

        // The operator finds the refusal in the trace, with the zone and its reason.
        await host.Get<MessageTracker>().FlushAsync();
        await using (var db = TestStores.OpenContext(host.Get<StoreSettings>()))
        {
            var events = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.Kind == MessageTrackingEventKind.Agent).ToListAsync();
            var refusal = Assert.Single(events, e => e.ReplyCode == 550);
            Assert.Contains("DNS block lists at RCPT TO", refusal.Detail);
            Assert.Contains("listed by bl.test (127.0.0.2, weight 1: " + Reason, refusal.Detail);
            Assert.Equal("127.0.0.1", refusal.RemoteHost);
            Assert.Contains(events, e => e.Detail!.Contains("accepted because the recipient is postmaster"));
        }
        // ... and in the trace's refusals view: agent, zone and reason, HELO and the protocol log session, not the postmaster pass.
        var refusals = await host.Get<MessageTraceQuery>().SearchRefusalsAsync(
            RefusalSearch.Create(DateTimeOffset.UtcNow, "127.0.0.1", null, null, null, null, null), 0, 50, CancellationToken.None);
        var shown = Assert.Single(refusals.Items);
        Assert.Equal("Connection filter: DNS block lists", shown.Agent);
        Assert.StartsWith("listed by bl.test (127.0.0.2, weight 1: " + Reason, shown.Reason);
        Assert.False(string.IsNullOrEmpty(shown.Helo));
        Assert.False(string.IsNullOrEmpty(shown.SessionId));
        Assert.Equal($"alice@{MailflowHost.DefaultDomain}", shown.Recipients);
        Assert.Equal("sender@fabrikam.test", shown.Sender);
        Assert.StartsWith("550 5.7.1 Service unavailable; client [127.0.0.1] blocked using bl.test", shown.Reply);

        // The admin puts the client on the allow list: the next message goes through.
        await host.Get<IpListService>().CreateAsync(AdminActor.System, new IpListEntry { List = IpListKind.Allow, Range = "127.0.0.1", Comment = "our test relay" });
        await host.WaitForLatestGenerationAsync();
        using (var client = new SmtpClient { Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
            var accepted = await client.SendAsync(Message($"alice@{MailflowHost.DefaultDomain}"));
            Assert.StartsWith("2.6.0", accepted);
            await client.DisconnectAsync(true);
        }
    }

    [Fact]
    public async Task ListedClient_AtConnect_Gets554InsteadOfTheBanner()
    {
        await using var host = await StartAsync(DatabaseProvider.Sqlite, DnsBlockListCheckPoint.Connect);

        var greeting = await ReadGreetingAsync(host.PortOf("Default Frontend"));

        Assert.StartsWith($"554 5.7.1 Service unavailable; client [127.0.0.1] blocked using bl.test; {Reason}", greeting);
    }

    [Fact]
    public async Task BlockedClient_Gets554AtConnect_UntilTheEntryIsRemoved()
    {
        await using var host = await StartAsync(DatabaseProvider.Sqlite, DnsBlockListCheckPoint.Recipient);
        var lists = host.Get<IpListService>();
        var entry = await lists.CreateAsync(AdminActor.System, new IpListEntry { List = IpListKind.Block, Range = "127.0.0.0/8", Comment = "test" });
        await host.WaitForLatestGenerationAsync();

        var blocked = await ReadGreetingAsync(host.PortOf("Default Frontend"));
        await lists.DeleteAsync(AdminActor.System, entry.Id);
        await host.WaitForLatestGenerationAsync();
        var open = await ReadGreetingAsync(host.PortOf("Default Frontend"));

        Assert.StartsWith("554 5.7.1 Service unavailable; client [127.0.0.1] is blocked by this server's policy", blocked);
        Assert.StartsWith("220 ", open);
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

    public async ValueTask DisposeAsync()
    {
        await _dns.DisposeAsync();
        _stores.Dispose();
    }
}
