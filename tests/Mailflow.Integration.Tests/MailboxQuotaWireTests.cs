using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Mailflow.WhatIf;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Integration.Tests;

/// <summary>
/// Mailbox quotas over SMTP, through the real server on both stores: a full Maildir mailbox refuses
/// RCPT with 452 4.2.2 (directly and through an alias) while others still take mail, the refusal is
/// in the trace, "Test mail flow" says why, and the mailbox takes mail again once it has room.
/// </summary>
public sealed class MailboxQuotaWireTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private const long OneMegabyte = 1024 * 1024;
    private static readonly AdminActor Admin = AdminActor.System;
    private readonly TestStores _stores = new(postgres);

    private const string Content = "From: alice@fabrikam.test\r\nTo: bob@contoso.test\r\nSubject: hello\r\nMessage-ID: <quota@fabrikam.test>\r\n\r\nHi Bob\r\n";

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task A_full_mailbox_refuses_RCPT_with_452_4_2_2_and_takes_mail_again_once_it_has_room(DatabaseProvider provider)
    {
        var store = await _stores.CreateAsync(provider);
        await using var host = MailflowHost.Start(store);
        var recipients = host.Get<RecipientService>();
        var bob = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, DisplayName = "Bob", PrimaryAddress = "bob@contoso.test", QuotaBytes = OneMegabyte });
        await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Alias, DisplayName = "Sales", PrimaryAddress = "sales@contoso.test", ForwardToId = bob.Id });
        await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, DisplayName = "Carol", PrimaryAddress = "carol@contoso.test" });
        await host.WaitForLatestGenerationAsync();
        var cur = Path.Combine(host.DataDirectory, "maildir", "bob@contoso.test", "cur");
        Directory.CreateDirectory(cur);
        var old = Path.Combine(cur, "1700000000.M1P1.old:2,S");
        await File.WriteAllBytesAsync(old, new byte[OneMegabyte]);

        await using (var smtp = await RawSmtp.ConnectAsync(host.PortOf("Default Frontend")))
        {
            await smtp.SendAsync("MAIL FROM:<alice@fabrikam.test>", "250");
            Assert.Equal("452 4.2.2 Mailbox full", await smtp.SendAsync("RCPT TO:<bob@contoso.test>", "452"));
            Assert.Equal("452 4.2.2 Mailbox full", await smtp.SendAsync("RCPT TO:<sales@contoso.test>", "452"));
            await smtp.SendAsync("RCPT TO:<carol@contoso.test>", "250");
            Assert.StartsWith("250", await smtp.DataAsync(Content));
        }

        // The trace's "Refused at SMTP" rows name the agent and the mailbox's figures.
        await using var db = TestStores.OpenContext(store);
        var refusal = await WaitForAsync(async () => await db.MessageTrackingEvents.AsNoTracking()
            .FirstOrDefaultAsync(e => e.Kind == MessageTrackingEventKind.Agent && e.QueueId == null && e.Recipients.Contains("bob@contoso.test")));
        Assert.Equal("Mailbox quota", refusal.Agent);
        Assert.Contains("1 MB of 1 MB (100 %): full", $"{refusal.Reason} {refusal.Detail}", StringComparison.Ordinal);

        // "Test mail flow" says the same before anything is sent.
        var test = await host.Get<IMailFlowTester>().TestAsync(new MailFlowTestRequest
        {
            Sender = "alice@fabrikam.test", Recipients = ["bob@contoso.test"], ReceiveConnector = "Default Frontend", ResolveMx = false,
        });
        var verdict = Assert.Single(test.Agents, a => a.Agent is "Mailbox quota" or "MailboxQuota");
        Assert.Equal("452 4.2.2 Mailbox full", verdict.Reply);
        Assert.Contains("over its quota", verdict.Detail, StringComparison.Ordinal);

        // The user empties the mailbox: after the next measurement the same RCPT is accepted.
        File.Delete(old);
        host.Get<Mailflow.Server.Transport.Deliver.Local.MaildirUsage>().Forget();
        await using (var smtp = await RawSmtp.ConnectAsync(host.PortOf("Default Frontend")))
        {
            await smtp.SendAsync("MAIL FROM:<alice@fabrikam.test>", "250");
            await smtp.SendAsync("RCPT TO:<bob@contoso.test>", "250");
            Assert.StartsWith("250", await smtp.DataAsync(Content));
        }
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(30);
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
