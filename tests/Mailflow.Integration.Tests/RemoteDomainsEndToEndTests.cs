using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Mailflow.WhatIf;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// Remote domains over SMTP on both stores, one host per store: fabrikam.test takes no automatic replies
/// and no NDRs, wants ISO-8859-1 and lines of at most 40 characters; everything else falls under the
/// default * entry. An out-of-office reply reaches the loopback remote only for the recipient outside
/// fabrikam.test; an ordinary message arrives re-encoded and wrapped; an NDR to a fabrikam.test sender
/// is dropped while one to another domain is sent; each decision is in the trace and in Test mail flow.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RemoteDomainsEndToEndTests(PostgresFixture postgres) : IDisposable
{
    private static readonly AdminActor Admin = AdminActor.System;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private const string Domain = MailflowHost.DefaultDomain;
    private readonly TestStores stores = new(postgres);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task AutoRepliesAndNdrsAreDroppedForRefusingDomains_ContentIsShaped_AndEachDecisionIsExplained(DatabaseProvider provider)
    {
        await using var remote = LoopbackSmtpServer.Start(new LoopbackSmtpScript
        {
            RcptReply = (address, _) => address.StartsWith("nobody@", StringComparison.OrdinalIgnoreCase) ? "550 5.1.1 No such user here" : null,
        });
        await using var host = MailflowHost.Start(await stores.CreateAsync(provider));
        await host.Get<AcceptedDomainService>().CreateAsync(Admin, new AcceptedDomain { DomainName = "relay.test", Type = AcceptedDomainType.InternalRelay });
        var recipients = host.Get<RecipientService>();
        var bob = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = $"bob@{Domain}" });
        await recipients.SetSubmissionPasswordAsync(Admin, bob.Id, bob.Revision, "bob-submission-pass");
        await host.Get<SendConnectorService>().CreateAsync(Admin, new SendConnector
        {
            Name = "Outbound via smart host", AddressSpaces = [new AddressSpace("*")], RoutingMethod = SendRoutingMethod.SmartHost, SmartHosts = [$"127.0.0.1:{remote.Port}"],
        });
        var domains = host.Get<RemoteDomainService>();
        // The default entry exists from the start (created with the table on both stores).
        Assert.Equal("*", Assert.Single(await domains.ListAsync()).DomainName);
        await domains.CreateAsync(Admin, new RemoteDomain
        {
            Name = "Fabrikam", DomainName = "fabrikam.test", AllowAutomaticReplies = false, AllowNonDeliveryReports = false, CharacterSet = "ISO-8859-1", LineWrapSize = 40,
        });
        await host.WaitForLatestGenerationAsync();

        // 1. An out-of-office reply to carol (fabrikam.test) and dave (northwind.test): only dave gets it.
        var reply = Letter("Automatic reply: Plans", "I am away until Monday.", "carol@fabrikam.test", "dave@northwind.test");
        reply.Headers.Add("Auto-Submitted", "auto-replied");
        await SubmitAsync(host, reply);
        var away = await WaitForAsync(remote, m => m.Text.Contains("Automatic reply: Plans"));
        Assert.Equal(["dave@northwind.test"], away.Recipients);
        var dropped = await WaitForTraceAsync(host, e => e.Kind == MessageTrackingEventKind.Fail && e.Recipients == "carol@fabrikam.test");
        Assert.Contains("the remote domain entry 'Fabrikam' (fabrikam.test) does not allow automatic replies", dropped);
        Assert.Contains("its Auto-Submitted: header is “auto-replied”", dropped);

        // 2. An ordinary message to carol: sent, in ISO-8859-1, lines wrapped at 40.
        const string text = "Ça va très bien, merci beaucoup pour votre message d'hier soir et à bientôt.";
        await SubmitAsync(host, Letter("Merci", text, "carol@fabrikam.test"));
        var sent = MimeMessage.Load(new MemoryStream((await WaitForAsync(remote, m => m.Text.Contains("Subject: Merci"))).Data));
        var part = Assert.IsType<TextPart>(sent.Body);
        Assert.Equal("iso-8859-1", part.ContentType.Charset);
        Assert.All(Lines(part.Text), line => Assert.InRange(line.Length, 1, 40));
        Assert.Equal(text, string.Join(" ", Lines(part.Text)));
        Assert.Contains("'Fabrikam': text/plain sent in iso-8859-1", await WaitForTraceAsync(host, e => e.Kind == MessageTrackingEventKind.Agent && e.Detail!.StartsWith("Remote domain:")));

        // 3. A relayed message the next hop refuses: the NDR to erin (fabrikam.test) is dropped, frank's (northwind.test) is sent.
        using (var client = new SmtpClient { Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);
            await client.SendAsync(Letter("Relay me", "Hello", "nobody@relay.test", from: "erin@fabrikam.test"));
            await client.SendAsync(Letter("Relay me too", "Hello", "nobody@relay.test", from: "frank@northwind.test"));
            await client.DisconnectAsync(true);
        }
        var ndr = await WaitForAsync(remote, m => m.Recipients.Contains("frank@northwind.test"));
        Assert.Equal("", ndr.Sender);
        var suppressed = await WaitForTraceAsync(host, e => e.Kind == MessageTrackingEventKind.Fail && e.Recipients == "erin@fabrikam.test");
        Assert.Contains("does not allow non-delivery reports", suppressed);
        Assert.DoesNotContain(remote.Messages, m => m.Recipients.Contains("erin@fabrikam.test") || m.Recipients.Contains("carol@fabrikam.test") && m.Text.Contains("Automatic reply"));

        // Test mail flow explains the same decisions from the same code.
        var test = await host.Get<IMailFlowTester>().TestAsync(new MailFlowTestRequest
        {
            Sender = $"bob@{Domain}", Recipients = ["carol@fabrikam.test", "dave@northwind.test"], ReceiveConnector = "Client Frontend", Authenticated = true,
            Subject = "Automatic reply: Plans", Headers = new Dictionary<string, string> { ["Auto-Submitted"] = "auto-replied" },
        });
        Assert.Contains(test.RemoteDomains, l => l.StartsWith("Not sent to carol@fabrikam.test: the remote domain entry 'Fabrikam' (fabrikam.test) does not allow automatic replies"));
        Assert.Contains(test.RemoteDomains, l => l.StartsWith("dave@northwind.test: remote domain entry 'Default' (*) allows automatic replies"));
        var ordinary = await host.Get<IMailFlowTester>().TestAsync(new MailFlowTestRequest
        {
            Sender = $"bob@{Domain}", Recipients = ["carol@fabrikam.test"], ReceiveConnector = "Client Frontend", Authenticated = true, Subject = "Hi",
        });
        Assert.Contains("text parts are sent in iso-8859-1 where every character fits; plain-text lines are wrapped at 40 characters", Assert.Single(ordinary.RemoteDomains));
    }

    private static MimeMessage Letter(string subject, string text, string to, string? cc = null, string from = $"bob@{Domain}")
    {
        var message = new MimeMessage
        {
            From = { MailboxAddress.Parse(from) },
            To = { MailboxAddress.Parse(to) },
            Subject = subject,
            Body = new TextPart("plain") { Text = text },
        };
        if (cc is not null)
            message.Cc.Add(MailboxAddress.Parse(cc));
        return message;
    }

    private static string[] Lines(string text) => text.TrimEnd().Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

    private static async Task SubmitAsync(MailflowHost host, MimeMessage message)
    {
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
        await client.AuthenticateAsync($"bob@{Domain}", "bob-submission-pass");
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }

    private static async Task<ReceivedSmtpMessage> WaitForAsync(LoopbackSmtpServer remote, Func<ReceivedSmtpMessage, bool> wanted)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (remote.Messages.FirstOrDefault(wanted) is { } found)
                return found;
            await Task.Delay(100);
        }
        throw new TimeoutException("the loopback remote did not receive the message in time");
    }

    private static async Task<string> WaitForTraceAsync(MailflowHost host, Func<MessageTrackingEvent, bool> wanted)
    {
        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            var events = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.Detail != null).ToListAsync();
            var found = events.Where(wanted).Select(e => e.Detail!).ToList();
            if (found.Count > 0)
                return string.Join("\n", found);
            await Task.Delay(100);
        }
        throw new TimeoutException("the trace event was not written in time");
    }

    public void Dispose() => stores.Dispose();
}
