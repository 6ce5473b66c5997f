using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>What a receive session refuses during SMTP is recorded as Refuse tracking events, on both stores (the dashboard counts them).</summary>
[Collection(PostgresCollection.Name)]
public sealed class SmtpRefusalTrackingTests(PostgresFixture postgres) : IDisposable
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

        List<MessageTrackingEvent> refusals = [];
        for (var attempt = 0; attempt < 100 && refusals.Count < 4; attempt++)
        {
            await using var db = TestStores.OpenContext(store);
            refusals = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.Kind == MessageTrackingEventKind.Refuse).ToListAsync();
            if (refusals.Count < 4)
                await Task.Delay(100);
        }
        var kinds = refusals.Select(r => SmtpRefusal.KindOf(r.Detail)).ToList();
        Assert.Equal(2, kinds.Count(k => k == SmtpRefusalKind.RelayDenied));
        Assert.Equal(1, kinds.Count(k => k == SmtpRefusalKind.UnknownRecipient));
        Assert.Equal(1, kinds.Count(k => k == SmtpRefusalKind.AuthFailed));
        var relay = refusals.First(r => SmtpRefusal.KindOf(r.Detail) == SmtpRefusalKind.RelayDenied);
        Assert.Equal(("spammer@botnet.example", "Default Frontend", "127.0.0.1", 550), (relay.Sender, relay.Connector, relay.RemoteHost, relay.ReplyCode));
        Assert.DoesNotContain(refusals, r => (r.Detail ?? "").Contains("wrong password", StringComparison.Ordinal));
    }

    public void Dispose() => stores.Dispose();
}
