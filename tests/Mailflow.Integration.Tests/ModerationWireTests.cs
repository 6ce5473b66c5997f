using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Queue;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// "Forward the message for approval" on the real pipeline and both stores: a rule holds submitted
/// messages, the moderator receives approval requests (the original attached), and then one message
/// is approved (delivered), one rejected (NDR 5.7.1 with the moderator's reason) and one left undecided
/// until the request expires (NDR 5.7.1); the trace and the quarantine say why.
/// </summary>
public sealed class ModerationWireTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private static readonly AdminActor Admin = AdminActor.System;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestStores stores = new(postgres);

    public void Dispose() => stores.Dispose();

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task HeldMessages_AreDeliveredRejectedOrExpired_AsTheModeratorDecides(DatabaseProvider provider)
    {
        await using var host = MailflowHost.Start(await stores.CreateAsync(provider));
        var recipients = host.Get<RecipientService>();
        var alice = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "alice@contoso.test" });
        await recipients.SetSubmissionPasswordAsync(Admin, alice.Id, alice.Revision, "alices-submission-pass");
        await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "bob@contoso.test" });
        await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "legal@contoso.test" });
        await host.Get<TransportRuleService>().CreateAsync(Admin, new TransportRule
        {
            Name = "Contracts need approval",
            Definition = new RuleDefinition
            {
                Conditions = [new RulePredicate { Kind = "SubjectContainsWords", Values = ["contract"] }],
                Actions = [new RuleAction { Kind = "ModerateWith", Arguments = { ["Addresses"] = "legal@contoso.test", ["ExpiryDays"] = "3" } }],
            },
        });
        await host.WaitForLatestGenerationAsync();

        using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
            await client.AuthenticateAsync("alice@contoso.test", "alices-submission-pass");
            foreach (var subject in new[] { "Contract A", "Contract B", "Contract C" })
            {
                var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = $"Please sign {subject}." } };
                message.From.Add(MailboxAddress.Parse("alice@contoso.test"));
                message.To.Add(MailboxAddress.Parse("bob@contoso.test"));
                await client.SendAsync(message);
            }
            await client.DisconnectAsync(true);
        }

        var requests = await MaildirAsync(host, "legal@contoso.test", 3);
        string QueueIdOf(string subject)
        {
            var request = requests.Single(r => r.Subject == $"Approval requested: {subject}");
            Assert.Equal(subject, Assert.Single(request.BodyParts.OfType<MessagePart>()).Message!.Subject);
            Assert.Contains("Contracts need approval", request.TextBody);
            return request.Headers["X-Mailflow-Moderated-Message"]!;
        }
        var (approved, rejected, undecided) = (QueueIdOf("Contract A"), QueueIdOf("Contract B"), QueueIdOf("Contract C"));

        var quarantine = host.Get<IQuarantine>();
        var held = await quarantine.GetAsync(approved);
        Assert.NotNull(held);
        Assert.Equal(QuarantineSource.Rule, held.Source);
        Assert.StartsWith("Held by mail flow rule 'Contracts need approval' for approval by legal@contoso.test", held.Reason);

        Assert.True(await quarantine.ReleaseAsync(Admin, approved, allowSender: false));
        Assert.True(await host.Get<IModeration>().RejectAsync(Admin, rejected, "Legal does not sign this one"));
        Assert.Equal(0, await host.Get<ModerationService>().ExpireAsync(DateTimeOffset.UtcNow.AddDays(2), CancellationToken.None));
        Assert.Equal(1, await host.Get<ModerationService>().ExpireAsync(DateTimeOffset.UtcNow.AddDays(4), CancellationToken.None));

        var delivered = Assert.Single(await MaildirAsync(host, "bob@contoso.test", 1));
        Assert.Equal("Contract A", delivered.Subject);
        var ndrs = await MaildirAsync(host, "alice@contoso.test", 2);
        var statuses = ndrs.Select(n => Assert.Single(n.BodyParts.OfType<MessageDeliveryStatus>()).StatusGroups[1]).ToList();
        Assert.All(statuses, s => Assert.Equal("5.7.1", s["Status"]));
        Assert.Contains(statuses, s => s["Diagnostic-Code"]!.Contains("Legal does not sign this one", StringComparison.Ordinal));
        Assert.Contains(statuses, s => s["Diagnostic-Code"]!.Contains("not approved in time", StringComparison.Ordinal));
        Assert.Empty(await quarantine.ListAsync());

        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var failures = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.Kind == MessageTrackingEventKind.Fail).Select(e => e.Detail).ToListAsync();
        Assert.Contains($"Rejected by moderator {Admin.Name}", failures);
        Assert.Contains("Moderation request expired", failures);
    }

    private static async Task<List<MimeMessage>> MaildirAsync(MailflowHost host, string address, int count)
    {
        var folder = Path.Combine(host.DataDirectory, "maildir", address, "new");
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (Directory.Exists(folder) && Directory.GetFiles(folder).Length >= count)
            {
                await Task.Delay(300); // anything beyond the expected count would show up now
                return [.. Directory.GetFiles(folder).Select(f => MimeMessage.Load(f))];
            }
            await Task.Delay(100);
        }
        throw new TimeoutException($"{count} message(s) did not arrive in {folder}");
    }
}
