using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// Journaling on the real pipeline and both stores: messages in over SMTP, journal rules by scope and
/// by group, envelope journal reports parsed back with MimeKit (Sender, Subject, Message-Id, To/Cc/Bcc
/// lines, the original attached, X-MS-Journal-Report), reports never journaled again, and a report
/// the archive refuses coming back to the alternate journal address — never to the original sender.
/// </summary>
public sealed class JournalingWireTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private static readonly AdminActor Admin = AdminActor.System;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestStores stores = new(postgres);

    public void Dispose() => stores.Dispose();

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task MessagesInScope_AreJournaledAsEnvelopeReports_AndUndeliverableReportsGoToTheAlternate(DatabaseProvider provider)
    {
        // The external archive refuses every journal report.
        await using var archive = LoopbackSmtpServer.Start(new LoopbackSmtpScript { RcptReply = (address, _) => "550 5.1.1 archive mailbox unknown" });
        await using var host = MailflowHost.Start(await stores.CreateAsync(provider));
        var recipients = host.Get<RecipientService>();
        var alice = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "alice@contoso.test" });
        await recipients.SetSubmissionPasswordAsync(Admin, alice.Id, alice.Revision, "alices-submission-pass");
        var bob = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "bob@contoso.test" });
        var carol = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "carol@contoso.test" });
        await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.DistributionGroup, PrimaryAddress = "team@contoso.test", MemberIds = [bob.Id, carol.Id] });
        await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "journal@contoso.test" });
        await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "journal-ndr@contoso.test" });
        await host.Get<SendConnectorService>().CreateAsync(Admin, new SendConnector
        {
            Name = "Archive", AddressSpaces = [new AddressSpace("*")], RoutingMethod = SendRoutingMethod.SmartHost, SmartHosts = [$"127.0.0.1:{archive.Port}"],
        });
        var journal = host.Get<JournalRuleService>();
        await journal.CreateAsync(Admin, new JournalRule { Name = "Internal mail", Scope = JournalScope.Internal, JournalAddress = "journal@contoso.test" });
        await journal.CreateAsync(Admin, new JournalRule
        {
            Name = "Team to the archive", Scope = JournalScope.Global, Recipient = "team@contoso.test",
            JournalAddress = "vault@archive.example", AlternateJournalAddress = "journal-ndr@contoso.test",
        });
        await journal.CreateAsync(Admin, new JournalRule { Name = "Switched off", Enabled = false, JournalAddress = "journal@contoso.test" });
        await host.WaitForLatestGenerationAsync();

        var message = new MimeMessage { Subject = "Team plans", Body = new TextPart("plain") { Text = "Let us meet." } };
        message.From.Add(MailboxAddress.Parse("alice@contoso.test"));
        message.To.Add(MailboxAddress.Parse("team@contoso.test"));
        message.Cc.Add(MailboxAddress.Parse("alice@contoso.test"));
        using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
            await client.AuthenticateAsync("alice@contoso.test", "alices-submission-pass");
            // Envelope: the group (To), alice herself (Cc) and bob again as a blind copy.
            await client.SendAsync(message, MailboxAddress.Parse("alice@contoso.test"),
                [MailboxAddress.Parse("team@contoso.test"), MailboxAddress.Parse("alice@contoso.test"), MailboxAddress.Parse("bob@contoso.test")]);
            await client.DisconnectAsync(true);
        }

        var report = Assert.Single(await MaildirAsync(host, "journal@contoso.test", 1));
        Assert.True(report.Headers.Contains("X-MS-Journal-Report"));
        Assert.Equal("Team plans", report.Subject);
        var lines = report.BodyParts.OfType<TextPart>().First().Text.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal("Sender: alice@contoso.test", lines[0]);
        Assert.Equal("Subject: Team plans", lines[1]);
        Assert.Equal($"Message-Id: <{message.MessageId}>", lines[2]);
        Assert.Contains("To: carol@contoso.test, Expanded: team@contoso.test", lines);
        Assert.Contains("Cc: alice@contoso.test", lines);
        Assert.Contains(lines, l => l.StartsWith("To: bob@contoso.test", StringComparison.Ordinal) || l == "Bcc: bob@contoso.test");
        var original = Assert.Single(report.BodyParts.OfType<MessagePart>()).Message!;
        Assert.Equal(message.MessageId, original.MessageId);

        // The archive refused its report: it comes back to the alternate address, and nothing reaches alice but her own copy.
        var ndr = Assert.Single(await MaildirAsync(host, "journal-ndr@contoso.test", 1));
        var status = Assert.Single(ndr.BodyParts.OfType<MessageDeliveryStatus>()).StatusGroups[1];
        Assert.Equal("5.1.1", status["Status"]);
        var alices = await MaildirAsync(host, "alice@contoso.test", 1);
        Assert.Equal(["Team plans"], alices.Select(m => m.Subject));
        Assert.Single(await MaildirAsync(host, "journal@contoso.test", 1)); // reports are not journaled again

        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var details = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.Kind == MessageTrackingEventKind.Agent).Select(e => e.Detail).ToListAsync();
        Assert.Contains(details, d => d!.StartsWith("Journaled by rule 'Internal mail' to journal@contoso.test", StringComparison.Ordinal));
        Assert.Contains(details, d => d!.StartsWith("Journaled by rule 'Team to the archive' to vault@archive.example", StringComparison.Ordinal));
        Assert.DoesNotContain(details, d => d!.Contains("Switched off", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task UndeliverableReports_OfRulesWithoutAnAlternate_GoToTheOrganizationsJournalingReportNdrTo_NeverToTheSender(DatabaseProvider provider)
    {
        await using var archive = LoopbackSmtpServer.Start(new LoopbackSmtpScript { RcptReply = (address, _) => "550 5.1.1 archive mailbox unknown" });
        await using var host = MailflowHost.Start(await stores.CreateAsync(provider));
        var recipients = host.Get<RecipientService>();
        var alice = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "alice@contoso.test" });
        await recipients.SetSubmissionPasswordAsync(Admin, alice.Id, alice.Revision, "alices-submission-pass");
        await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "bob@contoso.test" });
        await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "journal-ndr@contoso.test" });
        await host.Get<SendConnectorService>().CreateAsync(Admin, new SendConnector
        {
            Name = "Archive", AddressSpaces = [new AddressSpace("*")], RoutingMethod = SendRoutingMethod.SmartHost, SmartHosts = [$"127.0.0.1:{archive.Port}"],
        });
        await host.Get<JournalRuleService>().CreateAsync(Admin, new JournalRule { Name = "Everything to the vault", Scope = JournalScope.Global, JournalAddress = "vault@archive.example" });
        var settings = host.Get<OrganizationSettingsService>();
        var organization = await settings.GetAsync();
        organization.JournalingReportNdrTo = " Journal-NDR@contoso.test ";
        Assert.Equal("journal-ndr@contoso.test", (await settings.UpdateAsync(Admin, organization)).JournalingReportNdrTo, ignoreCase: true);
        await host.WaitForLatestGenerationAsync();

        var message = new MimeMessage { Subject = "Quarterly numbers", Body = new TextPart("plain") { Text = "Attached soon." } };
        message.From.Add(MailboxAddress.Parse("alice@contoso.test"));
        message.To.Add(MailboxAddress.Parse("bob@contoso.test"));
        using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
            await client.AuthenticateAsync("alice@contoso.test", "alices-submission-pass");
            await client.SendAsync(message);
            await client.DisconnectAsync(true);
        }

        Assert.Equal("Quarterly numbers", Assert.Single(await MaildirAsync(host, "bob@contoso.test", 1)).Subject);
        var ndr = Assert.Single(await MaildirAsync(host, "journal-ndr@contoso.test", 1));
        var status = Assert.Single(ndr.BodyParts.OfType<MessageDeliveryStatus>()).StatusGroups[1];
        Assert.Equal("5.1.1", status["Status"]);
        Assert.Contains("vault@archive.example", status["Final-Recipient"]);
        // The sender hears nothing of the journal report: her Maildir never appears.
        Assert.False(Directory.Exists(Path.Combine(host.DataDirectory, "maildir", "alice@contoso.test")));

        var explained = await host.Get<Mailflow.WhatIf.IMailFlowTester>().TestAsync(new Mailflow.WhatIf.MailFlowTestRequest
        {
            Sender = "alice@contoso.test", Recipients = ["bob@contoso.test"], Subject = "Quarterly numbers", ReceiveConnector = "Client Frontend", Authenticated = true,
        }, CancellationToken.None);
        Assert.Contains(explained.Rules.Outcome.ContentChanges, c => c.Contains("the non-delivery report goes to journal-ndr@contoso.test", StringComparison.OrdinalIgnoreCase));
    }

    private static async Task<List<MimeMessage>> MaildirAsync(MailflowHost host, string address, int count)
    {
        var folder = Path.Combine(host.DataDirectory, "maildir", address, "new");
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(folder) && Directory.GetFiles(folder).Length >= count)
            {
                await Task.Delay(500); // anything beyond the expected count would show up now
                return [.. Directory.GetFiles(folder).Select(f => MimeMessage.Load(f))];
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{count} message(s) did not arrive in {folder}");
    }
}
