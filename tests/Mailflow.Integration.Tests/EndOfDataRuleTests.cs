using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>Rules that reject or delete act before the 250: the client sees the rule's reply, nothing is stored, no NDR can follow.</summary>
public sealed class EndOfDataRuleTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly TestStores stores = new(postgres);

    private static TransportRule Rule(string name, string word, RuleAction action) => new()
    {
        Name = name,
        Priority = -1,
        Definition = new RuleDefinition
        {
            Conditions = [new RulePredicate { Kind = "SubjectContainsWords", Values = [word] }],
            Actions = [action],
        },
    };

    private static MimeMessage Message(string subject) => new()
    {
        From = { MailboxAddress.Parse("alice@fabrikam.test") },
        To = { MailboxAddress.Parse("postmaster@contoso.test") },
        Subject = subject,
        Body = new TextPart("plain") { Text = "Please see the attached." },
    };

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task RejectAndDeleteRules_ActBeforeTheReply_AndOtherMailFlows(DatabaseProvider provider)
    {
        await using var host = MailflowHost.Start(await stores.CreateAsync(provider));
        var rules = host.Get<TransportRuleService>();
        await rules.CreateAsync(AdminActor.System, Rule("No invoices", "invoice",
            new RuleAction { Kind = "Reject", Arguments = { ["Text"] = "Invoices go to the billing portal", ["EnhancedStatusCode"] = "5.7.1" } }));
        await rules.CreateAsync(AdminActor.System, Rule("Drop lottery", "lottery", new RuleAction { Kind = "DeleteSilently" }));
        await host.WaitForLatestGenerationAsync();

        using var client = new SmtpClient { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);
        var rejected = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("Your INVOICE for November")));
        var deleted = await client.SendAsync(Message("You won the lottery"));
        var delivered = await client.SendAsync(Message("Lunch on Friday?"));
        await client.DisconnectAsync(true);

        Assert.Equal(550, (int)rejected.StatusCode);
        Assert.Contains("5.7.1 Invoices go to the billing portal", rejected.Message);
        Assert.StartsWith("2.6.0", deleted);
        Assert.StartsWith("2.6.0", delivered);
        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var stored = await db.QueuedMessages.AsNoTracking().Select(m => m.Subject).ToListAsync();
        Assert.Equal(["Lunch on Friday?"], stored);
    }

    public void Dispose() => stores.Dispose();
}
