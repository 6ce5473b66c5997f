using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>What a receive session refuses during SMTP is in the trace as agent decisions, and the dashboard's refusal filters find each kind, on both stores.</summary>
public sealed class SmtpRefusalTrackingTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly TestStores stores = new(postgres);

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task RelayAttemptsUnknownRecipientsAndWrongPasswords_AreRecordedAsRefusals(DatabaseProvider provider)
    {
        var store = await stores.CreateAsync(provider);
        await using var host = MailflowHost.Start(store);
        await host.WaitForLatestGenerationAsync();
        var port = host.PortOf("Default Frontend");

        foreach (var to in new[] { "victim-1@elsewhere.example", "victim-2@elsewhere.example", $"nobody@{MailflowHost.DefaultDomain}" })
        {
            using var client = new SmtpClient { Timeout = 15_000 };
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
            await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(new MimeMessage
            {
                From = { MailboxAddress.Parse("spammer@botnet.example") },
                To = { MailboxAddress.Parse(to) },
                Subject = "Cheap watches",
                Body = new TextPart("plain") { Text = "…" },
            }));
            await client.DisconnectAsync(quit: true);
        }
        using (var client = new SmtpClient { Timeout = 15_000, CheckCertificateRevocation = false, ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.StartTls);
            await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync($"postmaster@{MailflowHost.DefaultDomain}", "wrong password"));
            await client.DisconnectAsync(quit: true);
        }

        var expected = new Dictionary<SmtpRefusalKind, int>
        {
            // MailKit tries each mechanism the server offers (PLAIN, then LOGIN) before it gives up: two failed exchanges.
            [SmtpRefusalKind.RelayDenied] = 2, [SmtpRefusalKind.UnknownRecipient] = 1, [SmtpRefusalKind.AuthFailed] = 2, [SmtpRefusalKind.RejectedByRule] = 0,
        };
        var counted = new Dictionary<SmtpRefusalKind, int>();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            await using var db = TestStores.OpenContext(store);
            foreach (var kind in expected.Keys)
                counted[kind] = await db.MessageTrackingEvents.AsNoTracking().Where(SmtpRefusal.Matches(kind)).CountAsync();
            if (expected.All(e => counted[e.Key] == e.Value))
                break;
            await Task.Delay(100);
        }
        Assert.Equal(expected, counted);
        await using (var db = TestStores.OpenContext(store))
        {
            var relay = await db.MessageTrackingEvents.AsNoTracking().Where(SmtpRefusal.Matches(SmtpRefusalKind.RelayDenied)).FirstAsync();
            Assert.Equal(("spammer@botnet.example", "Default Frontend", "127.0.0.1"), (relay.Sender, relay.Connector, relay.RemoteHost));
            Assert.False(await db.MessageTrackingEvents.AnyAsync(e => e.Detail != null && e.Detail.Contains("wrong password")));
        }
    }

    public void Dispose() => stores.Dispose();
}
