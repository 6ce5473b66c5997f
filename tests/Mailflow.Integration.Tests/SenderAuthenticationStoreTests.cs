using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Authentication;
using Mailflow.Server.Transport.Queue;
using Mailflow.Server.Transport.Tracking;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// Sender authentication through the whole server on a real store: a MailKit client on loopback, SPF
/// and DMARC from a loopback DNS zone, then the stored message read back. Authentication-Results
/// headers from outside that claim our authserv-id are gone from the stored copy (RFC 8601 §5), other
/// servers' stay, and the verdict is in the message's tags and its trace.
/// </summary>
public sealed class SenderAuthenticationStoreTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IAsyncDisposable
{
    private const string OurAuthServId = "mx.contoso.test"; // the node's FQDN, the default authserv-id
    private readonly TestStores _stores = new(postgres);
    private readonly LoopbackDnsServer _dns = new();

    private async Task<MailflowHost> StartAsync(DatabaseProvider provider)
    {
        _dns.Txt("fabrikam.test", "v=spf1 ip4:127.0.0.1 -all").Txt("_dmarc.fabrikam.test", "v=DMARC1; p=reject");
        var host = MailflowHost.Start(await _stores.CreateAsync(provider), new Dictionary<string, string?>
        {
            ["Mailflow:Dns:Servers:0"] = $"127.0.0.1:{_dns.EndPoint.Port}",
            ["Mailflow:Dns:TimeoutMilliseconds"] = "2000",
        });
        await host.Get<RecipientService>().CreateAsync(AdminActor.System, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = $"alice@{MailflowHost.DefaultDomain}" });
        var connectors = host.Get<ReceiveConnectorService>();
        var frontend = (await connectors.ListAsync()).Single(c => c.Name == "Default Frontend");
        frontend.SenderAuthentication = SenderAuthenticationMode.EvaluateAndTag;
        await connectors.UpdateAsync(AdminActor.System, frontend);
        await host.WaitForLatestGenerationAsync();
        return host;
    }

    private static MimeMessage Message(string subject, string body)
    {
        var message = new MimeMessage();
        // A forged verdict in our name (folded, in other case), a stale one with a leading comment,
        // and an honest one from another server that must stay.
        message.Headers.Add("Authentication-Results", "MX.Contoso.Test;\r\n\tdmarc=pass header.from=fabrikam.test");
        message.Headers.Add("Authentication-Results", "(relayed) mx.contoso.test 1; spf=pass smtp.mailfrom=ceo@fabrikam.test");
        message.Headers.Add("Authentication-Results", "mx.partner.test; spf=pass smtp.mailfrom=ceo@fabrikam.test");
        message.From.Add(MailboxAddress.Parse("ceo@fabrikam.test"));
        message.To.Add(MailboxAddress.Parse($"alice@{MailflowHost.DefaultDomain}"));
        message.Subject = subject;
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Foreign_results_claiming_our_authserv_id_are_removed_from_the_stored_message_and_the_verdict_is_traced(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider);
        using (var client = new SmtpClient { Timeout = 60_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);
            await client.SendAsync(Message("small", "Hello Alice."));
            // Bigger than the staging's in-memory part: the stored form joins the edited header
            // section and the spilled rest.
            await client.SendAsync(Message("large", string.Concat(Enumerable.Repeat("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcde\n", 2000))));
            await client.DisconnectAsync(true);
        }

        using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        var store = host.Get<QueueStore>();
        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var messages = await db.QueuedMessages.AsNoTracking().OrderBy(m => m.Id).ToListAsync(wait.Token);
        Assert.Equal(["small", "large"], messages.Select(m => m.Subject));
        foreach (var queued in messages)
        {
            Assert.True(await store.VerifyContentAsync(queued.Id, wait.Token), "the stored content hashes to its recorded SHA-256");
            var bytes = new MemoryStream();
            await using (var content = (await store.LoadContentAsync(queued.Id, wait.Token))!)
                await content.CopyToAsync(bytes, wait.Token);
            Assert.Equal(queued.Size, bytes.Length);
            bytes.Position = 0;
            var stored = await MimeMessage.LoadAsync(bytes, wait.Token);
            var results = stored.Headers.Where(h => h.Id == HeaderId.AuthenticationResults).Select(h => Header.Unfold(h.Value)).ToArray();
            Assert.Equal(2, results.Length);
            Assert.StartsWith(OurAuthServId + ";", results[0]);
            Assert.Contains("spf=pass smtp.mailfrom=ceo@fabrikam.test", results[0]);
            Assert.Contains("dmarc=pass", results[0]);
            Assert.StartsWith("mx.partner.test;", results[1]);
            Assert.Equal(queued.Subject, stored.Subject); // the rest of the header section is intact
            if (queued.Subject == "large")
                Assert.EndsWith("abcde\n", ((TextPart)stored.Body!).Text.ReplaceLineEndings("\n"));

            var tags = MessageTags.Parse(queued.AgentTags);
            Assert.Equal("2", tags[AuthenticationTagNames.ForgedResults]);
            Assert.Equal("pass", tags[AgentTagNames.SpfResult]);
            Assert.Equal("none", tags[AgentTagNames.DkimResult]);
            Assert.Equal("pass", tags[AgentTagNames.DmarcResult]);
        }

        await host.Get<MessageTracker>().FlushAsync(wait.Token);
        var agentEvent = await db.MessageTrackingEvents.AsNoTracking()
            .SingleAsync(e => e.Kind == MessageTrackingEventKind.Agent && e.QueueId == messages[0].QueueId, wait.Token);
        Assert.Contains("Sender authentication (SPF, DKIM, DMARC) at end of data", agentEvent.Detail);
        Assert.Contains("spf=pass (fabrikam.test), dkim=none, dmarc=pass (fabrikam.test)", agentEvent.Detail);
        Assert.Contains("removed 2 Authentication-Results header(s) from outside claiming our authserv-id mx.contoso.test", agentEvent.Detail);
    }

    public async ValueTask DisposeAsync()
    {
        await _dns.DisposeAsync();
        _stores.Dispose();
    }
}
