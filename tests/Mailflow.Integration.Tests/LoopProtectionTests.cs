using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.TestSupport;
using Mailflow.WhatIf;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// Loop protection over the wire: too many Received fields refused at DATA with 554 5.4.6 (the
/// connector's MaxHopCount and MaxLocalHopCount), a message accepted under a connector's limit but
/// over the organization's bounced with status 5.4.6 instead of relayed, a smart host that is this
/// server deferred as a routing loop (and said so by "Test mail flow"), and two servers relaying to
/// each other stopped by the hop count.
/// </summary>
public sealed class LoopProtectionTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private static readonly AdminActor Admin = AdminActor.System;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestStores _stores = new(postgres);

    private static string Message(int receivedFields, string by = "relay{0}.fabrikam.test")
    {
        var text = new StringBuilder();
        for (var i = 0; i < receivedFields; i++)
            text.Append($"Received: from hop{i}.example ([192.0.2.{i % 250 + 1}])\r\n\tby {string.Format(System.Globalization.CultureInfo.InvariantCulture, by, i)} with ESMTP id H{i}; Mon, 7 Dec 2026 10:00:00 +0000\r\n");
        text.Append("From: alice@fabrikam.test\r\nTo: carol@contoso.test\r\nSubject: hops\r\nMessage-ID: <hops@fabrikam.test>\r\n\r\nround and round\r\n");
        return text.ToString();
    }

    private static async Task<string> SendAsync(RawSmtp smtp, string content)
    {
        await smtp.SendAsync("MAIL FROM:<alice@fabrikam.test>", "250");
        await smtp.SendAsync("RCPT TO:<carol@contoso.test>", "250");
        return await smtp.DataAsync(content);
    }

    private static async Task MailboxAsync(MailflowHost host, string address, string? password = null)
    {
        var recipients = host.Get<RecipientService>();
        var mailbox = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, DisplayName = address, PrimaryAddress = address });
        if (password is not null)
            await recipients.SetSubmissionPasswordAsync(Admin, mailbox.Id, mailbox.Revision, password);
    }

    private static async Task UpdateConnectorAsync(MailflowHost host, string name, Action<ReceiveConnector> change)
    {
        var connectors = host.Get<ReceiveConnectorService>();
        var connector = (await connectors.ListAsync()).Single(c => c.Name == name);
        change(connector);
        await connectors.UpdateAsync(Admin, connector);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task More_received_fields_than_the_connector_allows_are_refused_at_data_with_554_5_4_6(DatabaseProvider provider)
    {
        await using var host = MailflowHost.Start(await _stores.CreateAsync(provider));
        await MailboxAsync(host, "carol@contoso.test");
        await host.WaitForLatestGenerationAsync();

        await using (var smtp = await RawSmtp.ConnectAsync(host.PortOf("Default Frontend")))
        {
            // 31 from outside plus ours: over the default 30.
            Assert.Equal("554 5.4.6 Routing loop detected", await SendAsync(smtp, Message(31)));
            // 29 plus ours is 30: still allowed, and the session goes on after the refusal.
            Assert.StartsWith("250 2.6.0", await SendAsync(smtp, Message(29)));
        }

        // The connector's own limit, changed live.
        await UpdateConnectorAsync(host, "Default Frontend", c => c.MaxHopCount = 10);
        await host.WaitForLatestGenerationAsync();
        await using (var smtp = await RawSmtp.ConnectAsync(host.PortOf("Default Frontend")))
        {
            Assert.Equal("554 5.4.6 Routing loop detected", await SendAsync(smtp, Message(10)));
            Assert.StartsWith("250 2.6.0", await SendAsync(smtp, Message(9)));
        }

        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        Assert.Equal(2, await db.QueuedMessages.CountAsync());
    }

    [Fact]
    public async Task More_received_fields_by_our_own_host_name_than_the_local_limit_are_refused()
    {
        await using var host = MailflowHost.Start(await _stores.CreateAsync(DatabaseProvider.Sqlite));
        await MailboxAsync(host, "carol@contoso.test");
        await host.WaitForLatestGenerationAsync();

        await using var smtp = await RawSmtp.ConnectAsync(host.PortOf("Default Frontend"));
        // Eight earlier passes through mx.contoso.test (this node's FQDN) plus this one: over the local limit of 8.
        Assert.Equal("554 5.4.6 Routing loop detected", await SendAsync(smtp, Message(8, by: "mx.contoso.test")));
        // Seven plus this one is eight: allowed; the same number of hops by other servers is far under 30.
        Assert.StartsWith("250 2.6.0", await SendAsync(smtp, Message(7, by: "MX.Contoso.Test.")));
        Assert.StartsWith("250 2.6.0", await SendAsync(smtp, Message(8)));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_message_over_the_organization_limit_is_bounced_with_5_4_6_and_not_relayed(DatabaseProvider provider)
    {
        await using var remote = LoopbackSmtpServer.Start();
        await using var host = MailflowHost.Start(await _stores.CreateAsync(provider));
        await MailboxAsync(host, "bob@contoso.test", "bobs-submission-pass");
        await host.Get<SendConnectorService>().CreateAsync(Admin, new SendConnector
        {
            Name = "Outbound via smart host",
            AddressSpaces = [new AddressSpace("*")],
            RoutingMethod = SendRoutingMethod.SmartHost,
            SmartHosts = [$"127.0.0.1:{remote.Port}"],
        });
        // The submission connector takes up to 40 hops; before relaying, the organization's 30 apply.
        await UpdateConnectorAsync(host, "Client Frontend", c => c.MaxHopCount = 40);
        await host.WaitForLatestGenerationAsync();

        var message = new MimeMessage
        {
            From = { MailboxAddress.Parse("bob@contoso.test") },
            To = { MailboxAddress.Parse("carol@fabrikam.test") },
            Subject = "Forwarded around",
            Body = new TextPart("plain") { Text = "Many hops." },
        };
        for (var i = 0; i < 33; i++)
            message.Headers.Insert(0, new Header(HeaderId.Received, $"from hop{i}.example ([192.0.2.{i + 1}]) by relay{i}.fabrikam.test with ESMTP id H{i}; Mon, 7 Dec 2026 10:00:00 +0000"));
        using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
            await client.AuthenticateAsync("bob@contoso.test", "bobs-submission-pass");
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }

        var folder = Path.Combine(host.DataDirectory, "maildir", "bob@contoso.test", "new");
        var ndrFile = await WaitForAsync(() => Task.FromResult(Directory.Exists(folder) ? Directory.GetFiles(folder).FirstOrDefault() : null));
        var ndr = await MimeMessage.LoadAsync(ndrFile);
        var report = Assert.IsType<MultipartReport>(ndr.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = report.OfType<MessageDeliveryStatus>().Single();
        Assert.Equal("dns;mx.contoso.test", status.StatusGroups[0]["Reporting-MTA"]!.Replace(" ", ""));
        var fields = status.StatusGroups[1];
        Assert.Equal("rfc822;carol@fabrikam.test", fields["Final-Recipient"]!.Replace(" ", ""));
        Assert.Equal("failed", fields["Action"]);
        Assert.Equal("5.4.6", fields["Status"]);
        Assert.Contains("Routing loop detected", fields["Diagnostic-Code"]);
        Assert.Empty(remote.Messages);

        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var recipient = await db.QueuedRecipients.AsNoTracking().SingleAsync(r => r.Address == "carol@fabrikam.test");
        Assert.Equal(QueuedRecipientStatus.PermanentFailure, recipient.Status);
        Assert.StartsWith("5.4.6 Routing loop detected", recipient.LastResponse);
        var trace = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.Detail != null && e.Detail.Contains("routing loop")).Select(e => e.Detail).ToListAsync();
        // 33 from the client and ours.
        Assert.Contains(trace, d => d!.Contains("34 Received header fields, more than the 30 hops the organization allows"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_smart_host_that_is_this_server_is_deferred_as_a_routing_loop_and_test_mail_flow_says_so(DatabaseProvider provider)
    {
        await using var host = MailflowHost.Start(await _stores.CreateAsync(provider));
        await MailboxAsync(host, "bob@contoso.test", "bobs-submission-pass");
        var ownPort = host.PortOf("Default Frontend");
        await host.Get<SendConnectorService>().CreateAsync(Admin, new SendConnector
        {
            Name = "Back to ourselves",
            AddressSpaces = [new AddressSpace("*")],
            RoutingMethod = SendRoutingMethod.SmartHost,
            SmartHosts = [$"127.0.0.1:{ownPort}"],
        });
        await host.WaitForLatestGenerationAsync();

        using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
            await client.AuthenticateAsync("bob@contoso.test", "bobs-submission-pass");
            await client.SendAsync(new MimeMessage
            {
                From = { MailboxAddress.Parse("bob@contoso.test") },
                To = { MailboxAddress.Parse("carol@fabrikam.test") },
                Subject = "Where does it go?",
                Body = new TextPart("plain") { Text = "Nowhere." },
            });
            await client.DisconnectAsync(true);
        }

        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var deferred = await WaitForAsync(async () => await db.QueuedRecipients.AsNoTracking()
            .FirstOrDefaultAsync(r => r.Status == QueuedRecipientStatus.TemporaryFailure));
        Assert.Equal("carol@fabrikam.test", deferred.Address);
        Assert.StartsWith("4.4.6 Routing loop: 127.0.0.1:" + ownPort + " is this server's own receive listener", deferred.LastResponse);
        // It never reached us again: one message in the store.
        Assert.Equal(1, await db.QueuedMessages.CountAsync());

        // "Test connector" does not greet ourselves either.
        var connectorTest = await host.Get<ISendConnectorTester>().TestAsync((await WithSmartHostAsync(host, $"127.0.0.1:{ownPort}")).Id, null);
        var attempt = Assert.Single(connectorTest.Attempts);
        Assert.False(attempt.Connected);
        Assert.StartsWith($"Routing loop: 127.0.0.1:{ownPort} is this server's own receive listener", attempt.Error);

        // Test mail flow explains the same route, here with the smart host given by our own host name.
        await host.Get<SendConnectorService>().UpdateAsync(Admin, await WithSmartHostAsync(host, $"mx.contoso.test:{ownPort}"));
        await host.WaitForLatestGenerationAsync();
        var test = await host.Get<IMailFlowTester>().TestAsync(new MailFlowTestRequest
        {
            Sender = "bob@contoso.test",
            Recipients = ["carol@fabrikam.test"],
            ReceiveConnector = "Client Frontend",
            Authenticated = true,
        });
        var route = Assert.Single(test.Routing);
        Assert.Contains($"mx.contoso.test:{ownPort} is this server", route.RouteLoop);
        Assert.Contains("routing loop", test.Summary);
    }

    private static async Task<SendConnector> WithSmartHostAsync(MailflowHost host, string smartHost)
    {
        var connector = (await host.Get<SendConnectorService>().ListAsync()).Single(c => c.Name == "Back to ourselves");
        connector.SmartHosts = [smartHost];
        return connector;
    }

    [Fact]
    public async Task Two_servers_relaying_to_each_other_stop_at_the_hop_count_limit()
    {
        var portA = FreePort.Get();
        var portB = FreePort.Get();
        await using var a = MailflowHost.Start(await _stores.CreateAsync(DatabaseProvider.Sqlite), new Dictionary<string, string?> { ["Mailflow:Fqdn"] = "mx-a.test", ["Mailflow:NodeName"] = "node-a" });
        await using var b = MailflowHost.Start(await _stores.CreateAsync(DatabaseProvider.Sqlite), new Dictionary<string, string?> { ["Mailflow:Fqdn"] = "mx-b.test", ["Mailflow:NodeName"] = "node-b" });
        foreach (var (host, own, peer) in new[] { (a, portA, portB), (b, portB, portA) })
        {
            // Each trusts the other as a relay (a misconfigured pair: each thinks the other is its smart host).
            await host.Get<ReceiveConnectorService>().CreateAsync(Admin, new ReceiveConnector
            {
                Name = "Relay from peer",
                Bindings = [new IpBinding("127.0.0.1", own)],
                RemoteIpRanges = ["127.0.0.1"],
                PermissionGroups = ReceivePermissionGroups.TrustedRelayServers,
                TlsMode = ConnectorTlsMode.None,
                AuthMechanisms = ReceiveAuthMechanisms.None,
                MaxHopCount = 6,
                MaxLocalHopCount = 6,
            });
            await host.Get<SendConnectorService>().CreateAsync(Admin, new SendConnector
            {
                Name = "To the peer",
                AddressSpaces = [new AddressSpace("*")],
                RoutingMethod = SendRoutingMethod.SmartHost,
                SmartHosts = [$"127.0.0.1:{peer}"],
            });
            await host.WaitForLatestGenerationAsync();
        }

        await using (var smtp = await RawSmtp.ConnectAsync(portA))
        {
            await smtp.SendAsync("MAIL FROM:<>", "250");
            await smtp.SendAsync("RCPT TO:<carol@fabrikam.test>", "250");
            Assert.StartsWith("250 2.6.0", await smtp.DataAsync("From: alice@fabrikam.test\r\nTo: carol@fabrikam.test\r\nSubject: ping-pong\r\n\r\nround and round\r\n"));
        }

        // Each pass adds a Received field; the seventh arrival is refused and the sending side gives up on it.
        var refused = await WaitForAsync(async () =>
        {
            foreach (var host in new[] { a, b })
            {
                await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
                if (await db.QueuedRecipients.AsNoTracking().FirstOrDefaultAsync(r => r.Status == QueuedRecipientStatus.PermanentFailure) is { } failed)
                    return failed;
            }
            return null;
        });
        Assert.Equal(554, refused.LastReplyCode);
        Assert.Contains("5.4.6 Routing loop detected", refused.LastResponse);
        await using var dbA = TestStores.OpenContext(a.Get<StoreSettings>());
        await using var dbB = TestStores.OpenContext(b.Get<StoreSettings>());
        // Passes: A, B, A, B, A, B took it (six Received fields), the seventh was refused.
        Assert.Equal(6, await dbA.QueuedMessages.CountAsync() + await dbB.QueuedMessages.CountAsync());
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe) where T : class
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (await probe() is { } value)
                return value;
            await Task.Delay(100);
        }
        throw new TimeoutException("the condition did not hold in time");
    }

    public void Dispose() => _stores.Dispose();
}
