using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// Receive → categorize (rules, resolution) → route → queue → deliver → notify, through the real
/// server over loopback: what goes in over SMTP comes out at a loopback "remote" SMTP server, in a
/// Maildir, or back to the sender as an NDR.
/// </summary>
public sealed class MailFlowEndToEndTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private static readonly AdminActor Admin = AdminActor.System;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestStores stores = new(postgres);

    private static async Task<Recipient> MailboxAsync(MailflowHost host, string address, string? password = null)
    {
        var recipients = host.Get<RecipientService>();
        var mailbox = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, DisplayName = address, PrimaryAddress = address });
        if (password is not null)
            mailbox = await recipients.SetSubmissionPasswordAsync(Admin, mailbox.Id, mailbox.Revision, password);
        return mailbox;
    }

    private static async Task SmartHostAsync(MailflowHost host, LoopbackSmtpServer remote) =>
        await host.Get<SendConnectorService>().CreateAsync(Admin, new SendConnector
        {
            Name = "Outbound via smart host",
            AddressSpaces = [new AddressSpace("*")],
            RoutingMethod = SendRoutingMethod.SmartHost,
            SmartHosts = [$"127.0.0.1:{remote.Port}"],
        });

    private static async Task SubmitAsync(MailflowHost host, string user, string password, MimeMessage message)
    {
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(user, password);
        await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }

    private static string MaildirOf(MailflowHost host, string address) => Path.Combine(host.DataDirectory, "maildir", address.ToLowerInvariant(), "new");

    private static async Task<string[]> WaitForMaildirAsync(MailflowHost host, string address, int count)
    {
        var folder = MaildirOf(host, address);
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(folder) && Directory.GetFiles(folder).Length >= count)
                return Directory.GetFiles(folder);
            await Task.Delay(100);
        }
        throw new TimeoutException($"{count} message(s) did not arrive in {folder}");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task SubmittedMessage_IsDeliveredThroughSmartHost_WithRuleApplied_AndTraced(DatabaseProvider provider)
    {
        await using var remote = LoopbackSmtpServer.Start();
        await using var host = MailflowHost.Start(await stores.CreateAsync(provider));
        await MailboxAsync(host, "bob@contoso.test", "bobs-submission-pass");
        await SmartHostAsync(host, remote);
        await host.Get<TransportRuleService>().CreateAsync(Admin, new TransportRule
        {
            Name = "Tag reports",
            Definition = new RuleDefinition
            {
                Conditions = [new RulePredicate { Kind = "SubjectContainsWords", Values = ["report"] }],
                Actions = [new RuleAction { Kind = "PrependSubject", Arguments = { ["Text"] = "[EXTERNAL] " } }],
            },
        });
        await host.WaitForLatestGenerationAsync();

        await SubmitAsync(host, "bob@contoso.test", "bobs-submission-pass", new MimeMessage
        {
            From = { MailboxAddress.Parse("bob@contoso.test") },
            To = { MailboxAddress.Parse("carol@fabrikam.test") },
            Subject = "Quarterly report",
            Body = new TextPart("plain") { Text = "Numbers attached." },
        });

        var delivered = Assert.Single(await remote.WaitForMessagesAsync(1, Patience));
        Assert.Equal("bob@contoso.test", delivered.Sender);
        Assert.Equal(["carol@fabrikam.test"], delivered.Recipients);
        var message = MimeMessage.Load(new MemoryStream(delivered.Data));
        Assert.Equal("[EXTERNAL] Quarterly report", message.Subject);
        Assert.StartsWith("from ", message.Headers[HeaderId.Received]);

        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var stored = await WaitForAsync(async () => await db.QueuedMessages.AsNoTracking().Include(m => m.Recipients)
            .SingleOrDefaultAsync(m => m.State == QueuedMessageState.Completed));
        Assert.Equal(QueuedRecipientStatus.Delivered, Assert.Single(stored.Recipients).Status);
        var rule = await db.TransportRules.AsNoTracking().SingleAsync();
        Assert.Equal(1, rule.EnforceHits);
        var kinds = await WaitForAsync(async () =>
        {
            var events = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.QueueId == stored.QueueId).Select(e => e.Kind).ToListAsync();
            return events.Contains(MessageTrackingEventKind.Deliver) || events.Contains(MessageTrackingEventKind.Send) ? events : null;
        });
        Assert.Contains(MessageTrackingEventKind.Receive, kinds);
        Assert.Contains(MessageTrackingEventKind.Agent, kinds);
        Assert.Contains(MessageTrackingEventKind.Route, kinds);
    }

    [Fact]
    public async Task GroupMessage_IsExpandedAndDeliveredToEachMaildir()
    {
        await using var host = MailflowHost.Start(await stores.CreateAsync(DatabaseProvider.Sqlite));
        var bob = await MailboxAsync(host, "bob@contoso.test");
        var carol = await MailboxAsync(host, "carol@contoso.test");
        await host.Get<RecipientService>().CreateAsync(Admin, new Recipient { Kind = RecipientKind.DistributionGroup, PrimaryAddress = "team@contoso.test", MemberIds = [bob.Id, carol.Id] });
        await host.WaitForLatestGenerationAsync();

        using (var client = new SmtpClient { Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);
            await client.SendAsync(new MimeMessage
            {
                From = { MailboxAddress.Parse("alice@fabrikam.test") },
                To = { MailboxAddress.Parse("team@contoso.test") },
                Subject = "Hello team",
                Body = new TextPart("plain") { Text = "Hi all" },
            });
            await client.DisconnectAsync(true);
        }

        var bobs = await WaitForMaildirAsync(host, "bob@contoso.test", 1);
        var carols = await WaitForMaildirAsync(host, "carol@contoso.test", 1);
        var text = await File.ReadAllTextAsync(Assert.Single(bobs));
        Assert.Contains("Delivered-To: bob@contoso.test", text);
        Assert.Contains("Subject: Hello team", text);
        Assert.Single(carols);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task RemoteRefusal_SendsNdrBackToLocalSender(DatabaseProvider provider)
    {
        await using var remote = LoopbackSmtpServer.Start(new LoopbackSmtpScript
        {
            RcptReply = (address, _) => address.StartsWith("nobody@", StringComparison.Ordinal) ? "550 5.1.1 <nobody@fabrikam.test>: Recipient address rejected: User unknown" : null,
        });
        await using var host = MailflowHost.Start(await stores.CreateAsync(provider));
        await MailboxAsync(host, "bob@contoso.test", "bobs-submission-pass");
        await SmartHostAsync(host, remote);
        await host.WaitForLatestGenerationAsync();

        await SubmitAsync(host, "bob@contoso.test", "bobs-submission-pass", new MimeMessage
        {
            From = { MailboxAddress.Parse("bob@contoso.test") },
            To = { MailboxAddress.Parse("nobody@fabrikam.test") },
            Subject = "Are you there?",
            Body = new TextPart("plain") { Text = "Hello?" },
        });

        var ndrFile = Assert.Single(await WaitForMaildirAsync(host, "bob@contoso.test", 1));
        var ndr = await MimeMessage.LoadAsync(ndrFile);
        var report = Assert.IsType<MultipartReport>(ndr.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var status = report.OfType<MessageDeliveryStatus>().Single();
        var fields = status.StatusGroups[1];
        Assert.Equal("failed", fields["Action"]);
        Assert.Equal("5.1.1", fields["Status"]);
        Assert.Contains("User unknown", fields["Diagnostic-Code"]);
        Assert.Contains("Are you there?", ndr.ToString());
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

    public void Dispose() => stores.Dispose();
}
