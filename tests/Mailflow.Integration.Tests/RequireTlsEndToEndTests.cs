using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// REQUIRETLS (RFC 8689) through the whole server: a client submits over STARTTLS with
/// <c>MAIL FROM … REQUIRETLS</c>, or a mail flow rule marks the message; the smart host offers STARTTLS
/// and REQUIRETLS but with a certificate nobody vouches for, so both messages come back to the sender as
/// NDRs with 5.7.30, while an ordinary message goes out over the same opportunistic TLS.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class RequireTlsEndToEndTests(PostgresFixture postgres) : IAsyncDisposable
{
    private static readonly AdminActor Admin = AdminActor.System;
    private readonly TestStores stores = new(postgres);
    private readonly LoopbackSmtpServer remote = LoopbackSmtpServer.Start(new LoopbackSmtpScript { OfferStartTls = true, OfferRequireTls = true });

    public async ValueTask DisposeAsync()
    {
        await remote.DisposeAsync();
        stores.Dispose();
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task RequireTlsFromTheClientOrARule_IsReturnedWith5730_When_TheNextHopCannotBeVerified(DatabaseProvider provider)
    {
        await using var host = MailflowHost.Start(await stores.CreateAsync(provider));
        var recipients = host.Get<RecipientService>();
        var alice = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "alice@contoso.test" });
        await recipients.SetSubmissionPasswordAsync(Admin, alice.Id, alice.Revision, "alices-submission-pass");
        await host.Get<SendConnectorService>().CreateAsync(Admin, new SendConnector
        {
            Name = "Smart host", AddressSpaces = [new AddressSpace("*")], RoutingMethod = SendRoutingMethod.SmartHost, SmartHosts = [$"127.0.0.1:{remote.Port}"],
        });
        await host.Get<TransportRuleService>().CreateAsync(Admin, new TransportRule
        {
            Name = "Confidential needs REQUIRETLS",
            Definition = new RuleDefinition
            {
                Conditions = [new RulePredicate { Kind = "SubjectContainsWords", Values = ["Confidential"] }],
                Actions = [new RuleAction { Kind = "SetRequireTls" }],
            },
        });
        await host.WaitForLatestGenerationAsync();

        using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
            Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.RequireTLS));
            await client.AuthenticateAsync("alice@contoso.test", "alices-submission-pass");
            client.RequireTLS = true;
            await client.SendAsync(Message("Asked for REQUIRETLS"));
            client.RequireTLS = false;
            await client.SendAsync(Message("Confidential figures"));
            await client.SendAsync(Message("Lunch"));
            await client.DisconnectAsync(true);
        }

        var delivered = Assert.Single(await remote.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Contains("Subject: Lunch", delivered.Text);
        Assert.DoesNotContain("REQUIRETLS", delivered.MailFromLine);

        var ndrs = await MaildirAsync(host, "alice@contoso.test", 2);
        foreach (var ndr in ndrs)
        {
            var status = Assert.Single(ndr.BodyParts.OfType<MessageDeliveryStatus>());
            Assert.Equal("5.7.30", status.StatusGroups[1]["Status"]);
            Assert.Contains("REQUIRETLS support required: the certificate of 127.0.0.1", status.StatusGroups[1]["Diagnostic-Code"]);
        }
        Assert.Single(remote.Messages);

        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        Assert.Equal(2, await db.QueuedMessages.CountAsync(m => m.RequireTls));
        var details = await db.MessageTrackingEvents.AsNoTracking().Select(e => e.Detail).Where(d => d != null).ToListAsync();
        Assert.Contains(details, d => d!.StartsWith("Marked REQUIRETLS by mail flow rule 'Confidential needs REQUIRETLS'", StringComparison.Ordinal));
    }

    private static MimeMessage Message(string subject)
    {
        var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = "Hello Dave." } };
        message.From.Add(MailboxAddress.Parse("alice@contoso.test"));
        message.To.Add(MailboxAddress.Parse("dave@fabrikam.test"));
        return message;
    }

    private static async Task<List<MimeMessage>> MaildirAsync(MailflowHost host, string address, int count)
    {
        var folder = Path.Combine(host.DataDirectory, "maildir", address, "new");
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(folder) && Directory.GetFiles(folder).Length >= count)
                return [.. Directory.GetFiles(folder).Select(f => MimeMessage.Load(f))];
            await Task.Delay(100);
        }
        throw new TimeoutException($"{count} message(s) did not arrive in {folder}");
    }
}
