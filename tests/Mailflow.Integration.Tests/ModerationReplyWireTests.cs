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
/// Approval by reply on the real pipeline and both stores: the approval request carries the reply address
/// and a token (Message-ID, subject marker); the moderator replies over SMTP with "Approve" (the held message
/// is delivered) or "Reject: reason" (the sender gets NDR 5.7.1 with the reason). A forged reply (anonymous,
/// From the moderator) and a reply from a signed-in user who is not a moderator decide nothing.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ModerationReplyWireTests(PostgresFixture postgres) : IDisposable
{
    private const string ReplyAddress = "moderation@contoso.test";
    private static readonly AdminActor Admin = AdminActor.System;
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);
    private readonly TestStores stores = new(postgres);

    public void Dispose() => stores.Dispose();

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ModeratorReplies_ApproveOrReject_AndForgedRepliesDecideNothing(DatabaseProvider provider)
    {
        await using var host = MailflowHost.Start(await stores.CreateAsync(provider));
        var recipients = host.Get<RecipientService>();
        foreach (var (address, password) in new[] { ("alice@contoso.test", "alices-submission-pass"), ("legal@contoso.test", "legals-submission-pass") })
        {
            var mailbox = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = address });
            await recipients.SetSubmissionPasswordAsync(Admin, mailbox.Id, mailbox.Revision, password);
        }
        await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "bob@contoso.test" });
        await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = ReplyAddress });
        var settings = host.Get<OrganizationSettingsService>();
        var organization = await settings.GetAsync();
        organization.ModerationReplyAddress = ReplyAddress;
        await settings.UpdateAsync(Admin, organization);
        await host.Get<TransportRuleService>().CreateAsync(Admin, new TransportRule
        {
            Name = "Contracts need approval",
            Definition = new RuleDefinition
            {
                // Only mail to bob: the moderators' replies (their subjects quote "Contract …") are not held themselves.
                Conditions = [new RulePredicate { Kind = "SubjectContainsWords", Values = ["contract"] }, new RulePredicate { Kind = "RecipientIs", Values = ["bob@contoso.test"] }],
                Actions = [new RuleAction { Kind = "ModerateWith", Arguments = { ["Addresses"] = "legal@contoso.test", ["ExpiryDays"] = "3" } }],
            },
        });
        await host.WaitForLatestGenerationAsync();

        await SubmitAsync(host, "alice@contoso.test", "alices-submission-pass", [.. new[] { "A", "B", "C", "D" }.Select(letter => Message("alice@contoso.test", "bob@contoso.test", $"Contract {letter}", "Please sign."))]);
        var requests = (await MaildirAsync(host, "legal@contoso.test", 4)).ToDictionary(r => r.Subject![..r.Subject!.IndexOf(" [moderation ", StringComparison.Ordinal)]);
        MimeMessage Request(string letter) => requests[$"Approval requested: Contract {letter}"];
        Assert.All(requests.Values, r =>
        {
            Assert.Equal(ReplyAddress, Assert.Single(r.ReplyTo.Mailboxes).Address);
            Assert.StartsWith("moderation.", r.MessageId, StringComparison.Ordinal);
            Assert.Contains("Approve or Reject as the first word", r.TextBody);
        });

        // The moderator, signed in: Approve A, Reject B with a reason (as a mail program's reply: In-Reply-To, References, quoted text).
        await SubmitAsync(host, "legal@contoso.test", "legals-submission-pass",
            Reply(Request("A"), "legal@contoso.test", "Approve\r\n\r\nOn Monday the approval request said:\r\n> The mail flow rule holds a message"),
            Reply(Request("B"), "legal@contoso.test", "Reject: Legal does not sign this one\r\n\r\n> quoted"));
        // A forged reply to C: anonymous, From the moderator. And alice, signed in but no moderator, approving D.
        using (var anonymous = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 })
        {
            await anonymous.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);
            await anonymous.SendAsync(Reply(Request("C"), "legal@contoso.test", "Approve"));
            await anonymous.DisconnectAsync(true);
        }
        await SubmitAsync(host, "alice@contoso.test", "alices-submission-pass", Reply(Request("D"), "alice@contoso.test", "Approved"));

        Assert.Equal("Contract A", Assert.Single(await MaildirAsync(host, "bob@contoso.test", 1)).Subject);
        var ndr = Assert.Single(await MaildirAsync(host, "alice@contoso.test", 1));
        var status = Assert.Single(ndr.BodyParts.OfType<MessageDeliveryStatus>()).StatusGroups[1];
        Assert.Equal("5.7.1", status["Status"]);
        Assert.Contains("Legal does not sign this one", status["Diagnostic-Code"]);
        await MaildirAsync(host, ReplyAddress, 4); // every reply is kept in the reply mailbox

        var details = await WaitForTraceAsync(host, 4);
        Assert.Contains(details, d => d.Contains("Moderation reply: legal@contoso.test approved held message", StringComparison.Ordinal));
        Assert.Contains(details, d => d.Contains("Moderation reply: legal@contoso.test rejected held message", StringComparison.Ordinal));
        Assert.Contains(details, d => d.Contains("was not submitted by that mailbox and DMARC did not pass", StringComparison.Ordinal));
        Assert.Contains(details, d => d.Contains("alice@contoso.test signed in, but is not a moderator", StringComparison.Ordinal));
        var stillHeld = (await host.Get<IQuarantine>().ListAsync()).Select(m => m.QueueId).ToHashSet();
        Assert.Contains(Request("C").Headers["X-Mailflow-Moderated-Message"]!, stillHeld);
        Assert.Contains(Request("D").Headers["X-Mailflow-Moderated-Message"]!, stillHeld);
        Assert.Equal(2, stillHeld.Count);
    }

    private static MimeMessage Message(string from, string to, string subject, string text)
    {
        var message = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = text } };
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        return message;
    }

    private static MimeMessage Reply(MimeMessage request, string from, string text)
    {
        var reply = Message(from, request.ReplyTo.Mailboxes.Single().Address, "RE: " + request.Subject, text);
        reply.InReplyTo = request.MessageId;
        reply.References.Add(request.MessageId!);
        return reply;
    }

    private static async Task SubmitAsync(MailflowHost host, string user, string password, params MimeMessage[] messages)
    {
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
        await client.AuthenticateAsync(user, password);
        foreach (var message in messages)
            await client.SendAsync(message);
        await client.DisconnectAsync(true);
    }

    /// <summary>The Agent trace details once at least <paramref name="replies"/> moderation replies were handled.</summary>
    private static async Task<List<string>> WaitForTraceAsync(MailflowHost host, int replies)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            await using (var db = TestStores.OpenContext(host.Get<StoreSettings>()))
            {
                var details = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.Kind == MessageTrackingEventKind.Agent && e.Detail != null && e.Detail.Contains("Moderation reply"))
                    .Select(e => e.Detail!).ToListAsync();
                if (details.Count >= replies)
                    return details;
                if (DateTime.UtcNow > deadline)
                    throw new TimeoutException($"the moderation replies were not all handled: {string.Join(" | ", details)}");
            }
            await Task.Delay(100);
        }
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
