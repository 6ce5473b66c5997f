using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// RFC 3461 over the wire, end to end: a client's NOTIFY, RET, ENVID and ORCPT (an original address
/// other than the envelope recipient, with characters xtext encodes) come out at the next hop exactly
/// as they went in — after the message was stored and the server restarted — and a next hop without
/// DSN gets none of them while the sender gets the "relayed" DSN it asked for (§5.2.2).
/// </summary>
public sealed class DsnRelayTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private static readonly AdminActor Admin = AdminActor.System;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestStores _stores = new(postgres);

    private const string Content = "From: alice@fabrikam.test\r\nTo: sales@contoso.test\r\nSubject: order 7\r\nMessage-ID: <order-7@fabrikam.test>\r\n\r\nPlease confirm.\r\n";

    /// <summary>Contacts in contoso.test that forward out: the envelope recipient is rewritten, the original must travel in ORCPT.</summary>
    private static async Task ContactsAsync(MailflowHost host, params string[] names)
    {
        foreach (var name in names)
            await host.Get<RecipientService>().CreateAsync(Admin, new Recipient
            {
                Kind = RecipientKind.MailContact, DisplayName = name, PrimaryAddress = $"{name}@contoso.test", ExternalAddress = $"{name}@fabrikam.test",
            });
    }

    private static async Task SmartHostAsync(MailflowHost host, LoopbackSmtpServer remote) =>
        await host.Get<SendConnectorService>().CreateAsync(Admin, new SendConnector
        {
            Name = "Outbound via smart host",
            AddressSpaces = [new AddressSpace("*")],
            RoutingMethod = SendRoutingMethod.SmartHost,
            SmartHosts = [$"127.0.0.1:{remote.Port}"],
        });

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task The_clients_DSN_parameters_reach_the_next_hop_unchanged_after_storage_and_a_restart(DatabaseProvider provider)
    {
        await using var remote = LoopbackSmtpServer.Start();
        var store = await _stores.CreateAsync(provider);
        string queueId;
        await using (var first = MailflowHost.Start(store))
        {
            // No send connector yet: the message waits in the queue, unreachable, until the restart.
            await ContactsAsync(first, "carol", "dave");
            await first.WaitForLatestGenerationAsync();
            await using (var smtp = await RawSmtp.ConnectAsync(first.PortOf("Default Frontend")))
            {
                await smtp.SendAsync("MAIL FROM:<alice@fabrikam.test> RET=HDRS ENVID=order+2B7+3Dnew", "250");
                await smtp.SendAsync("RCPT TO:<carol@contoso.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Carol+2BSales@Legacy.example", "250");
                await smtp.SendAsync("RCPT TO:<dave@contoso.test>", "250");
                Assert.StartsWith("250", await smtp.DataAsync(Content));
            }
            await using var db = TestStores.OpenContext(store);
            queueId = await WaitForAsync(async () => await db.MessageTrackingEvents.AsNoTracking()
                .Where(e => e.Kind == MessageTrackingEventKind.Route).Select(e => e.QueueId).FirstOrDefaultAsync());
        }

        await using var second = MailflowHost.Start(store);
        await SmartHostAsync(second, remote);

        var relayed = Assert.Single(await remote.WaitForMessagesAsync(1, Patience));
        Assert.Equal("MAIL FROM:<alice@fabrikam.test> RET=HDRS ENVID=order+2B7+3Dnew", relayed.MailFromLine);
        Assert.Equal(
        [
            "RCPT TO:<carol@fabrikam.test> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;Carol+2BSales@Legacy.example",
            // No ORCPT from the client: ours is the address the client gave, not the contact's external one.
            "RCPT TO:<dave@fabrikam.test> ORCPT=rfc822;dave@contoso.test",
        ], relayed.RcptLines.Order(StringComparer.Ordinal));

        // The remote reports from here on: no DSN of ours, and the trace says why.
        await using var check = TestStores.OpenContext(store);
        var send = await WaitForAsync(async () => await check.MessageTrackingEvents.AsNoTracking()
            .SingleOrDefaultAsync(e => e.QueueId == queueId && e.Kind == MessageTrackingEventKind.Send && e.Recipients.Contains("carol")));
        Assert.Contains("passed on to the next hop", send.Detail, StringComparison.Ordinal);
        Assert.Contains("ORCPT=rfc822;Carol+2BSales@Legacy.example", send.Detail, StringComparison.Ordinal);
        Assert.Single(remote.Messages);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_next_hop_without_DSN_gets_no_parameters_and_the_sender_gets_a_relayed_DSN(DatabaseProvider provider)
    {
        await using var remote = LoopbackSmtpServer.Start(new LoopbackSmtpScript { OfferDsn = false });
        var store = await _stores.CreateAsync(provider);
        await using var host = MailflowHost.Start(store);
        await ContactsAsync(host, "carol");
        await SmartHostAsync(host, remote);
        await host.WaitForLatestGenerationAsync();

        await using (var smtp = await RawSmtp.ConnectAsync(host.PortOf("Default Frontend")))
        {
            await smtp.SendAsync("MAIL FROM:<alice@fabrikam.test> ENVID=order+2B7+3Dnew", "250");
            await smtp.SendAsync("RCPT TO:<carol@contoso.test> NOTIFY=SUCCESS ORCPT=rfc822;Carol+2BSales@Legacy.example", "250");
            Assert.StartsWith("250", await smtp.DataAsync(Content));
        }

        // The message itself, then our DSN to the sender (fabrikam.test goes out through the same smart host).
        var messages = await remote.WaitForMessagesAsync(2, Patience);
        var original = messages.Single(m => m.Sender.Length > 0);
        Assert.Equal("MAIL FROM:<alice@fabrikam.test>", original.MailFromLine);
        Assert.Equal(["RCPT TO:<carol@fabrikam.test>"], original.RcptLines);

        var dsnMessage = messages.Single(m => m.Sender.Length == 0);
        Assert.Equal(["alice@fabrikam.test"], dsnMessage.Recipients);
        var dsn = MimeMessage.Load(new MemoryStream(dsnMessage.Data));
        var report = Assert.IsType<MultipartReport>(dsn.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        // One per-message group and one recipient group (MimeKit may add an empty one after the last blank line).
        Assert.Equal(2, status.StatusGroups.Count(g => g.Count > 0));
        var perMessage = status.StatusGroups[0];
        Assert.Equal("dns; mx.contoso.test", perMessage["Reporting-MTA"]);
        Assert.Equal("order+7=new", perMessage["Original-Envelope-Id"]);
        var perRecipient = status.StatusGroups[1];
        Assert.Equal("rfc822;carol@fabrikam.test", perRecipient["Final-Recipient"]);
        Assert.Equal("rfc822;Carol+Sales@Legacy.example", perRecipient["Original-Recipient"]);
        Assert.Equal("relayed", perRecipient["Action"]);
        Assert.Equal("2.0.0", perRecipient["Status"]);
        Assert.Equal("dns; 127.0.0.1", perRecipient["Remote-MTA"]);

        await using var db = TestStores.OpenContext(store);
        var send = await WaitForAsync(async () => await db.MessageTrackingEvents.AsNoTracking()
            .SingleOrDefaultAsync(e => e.Kind == MessageTrackingEventKind.Send && e.Sender == "alice@fabrikam.test"));
        Assert.Contains("does not support DSN", send.Detail, StringComparison.Ordinal);
        Assert.Contains("relayed", send.Detail, StringComparison.Ordinal);
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } value)
                return value;
            await Task.Delay(100);
        }
        throw new TimeoutException("The condition was not met in time.");
    }

    public void Dispose() => _stores.Dispose();
}
