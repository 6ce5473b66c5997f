using System.Net.Sockets;
using System.Text;
using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Server.Transport.Receive.Directory;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// The whole server with its seeded connectors, driven by MailKit over loopback, on both stores:
/// what a client sees is decided by the live configuration, and a 250 means the message is stored.
/// </summary>
public sealed class ReceiveIntegrationTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private static readonly AdminActor Admin = AdminActor.System;
    private readonly TestStores stores = new(postgres);

    private async Task<MailflowHost> StartAsync(DatabaseProvider provider, IDictionary<string, string?>? settings = null)
    {
        var host = MailflowHost.Start(await stores.CreateAsync(provider), settings);
        await host.WaitForLatestGenerationAsync();
        return host;
    }

    private static MimeMessage Message(string from, string to, string subject = "Hello") => new()
    {
        From = { MailboxAddress.Parse(from) },
        To = { MailboxAddress.Parse(to) },
        Subject = subject,
        Body = new TextPart("plain") { Text = "Hello from the integration tests." },
    };

    private static SmtpClient Client() => new() { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 };

    private static async Task<Recipient> MailboxWithPasswordAsync(MailflowHost host, string address, string password)
    {
        var recipients = host.Get<RecipientService>();
        var mailbox = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, DisplayName = address, PrimaryAddress = address });
        mailbox = await recipients.SetSubmissionPasswordAsync(Admin, mailbox.Id, mailbox.Revision, password);
        await host.WaitForLatestGenerationAsync();
        return mailbox;
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task DefaultFrontend_StoresMessageForLocalMailbox_When_SenderIsAnonymous(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider);
        using var client = Client();
        await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.StartTls);

        var reply = await client.SendAsync(Message("alice@fabrikam.test", "postmaster@contoso.test", "Anonymous over STARTTLS"));
        await client.DisconnectAsync(true);

        Assert.Matches(@"^2\.6\.0 <[0-9A-Z]{16}> Queued mail for delivery$", reply);
        var queueId = reply.Split('<', '>')[1];
        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var stored = await db.QueuedMessages.Include(m => m.Recipients).SingleAsync(m => m.QueueId == queueId);
        Assert.Equal("alice@fabrikam.test", stored.Sender);
        Assert.Equal("postmaster@contoso.test", Assert.Single(stored.Recipients).Address);
        Assert.Equal("Default Frontend", stored.ReceiveConnectorName);
        Assert.Equal("Anonymous over STARTTLS", stored.Subject);
        Assert.StartsWith("Tls1", stored.TlsProtocol);
        var content = await db.MessageContents.SingleAsync(c => c.MessageId == stored.Id);
        var text = Encoding.UTF8.GetString(content.Data);
        Assert.StartsWith("Received: from ", text);
        Assert.Contains("by mx.contoso.test", text);
        Assert.Contains("Subject: Anonymous over STARTTLS", text);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task DefaultFrontend_RefusesUnknownRecipientAndRelay_When_SenderIsAnonymous(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider);
        using var client = Client();
        await client.ConnectAsync("127.0.0.1", host.PortOf("Default Frontend"), SecureSocketOptions.None);

        var unknown = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("alice@fabrikam.test", "nobody@contoso.test")));
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, unknown.StatusCode);
        Assert.Contains("5.1.1", unknown.Message);
        var relay = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("alice@fabrikam.test", "bob@elsewhere.test")));
        Assert.Contains("5.7.54", relay.Message);

        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        Assert.Equal(0, await db.QueuedMessages.CountAsync());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ClientFrontend_RelaysForAuthenticatedMailbox_AndEnforcesSenderAddress(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider);
        await MailboxWithPasswordAsync(host, "bob@contoso.test", "bobs-submission-pass");
        using var client = Client();
        await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
        await client.AuthenticateAsync("bob@contoso.test", "bobs-submission-pass");

        var relayed = await client.SendAsync(Message("bob@contoso.test", "carol@fabrikam.test"));
        var spoofed = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message("ceo@contoso.test", "carol@fabrikam.test")));

        Assert.StartsWith("2.6.0", relayed);
        Assert.Contains("5.7.60", spoofed.Message);
        await using var db = TestStores.OpenContext(host.Get<StoreSettings>());
        var stored = await db.QueuedMessages.SingleAsync();
        Assert.Equal("bob@contoso.test", stored.AuthenticatedAs);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ClientFrontend_RefusesWrongPasswordAndAnonymousRelay(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider);
        await MailboxWithPasswordAsync(host, "bob@contoso.test", "bobs-submission-pass");
        using var client = Client();
        await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);

        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("bob@contoso.test", "wrong-password"));
        // The submission connector admits authenticated users only: MAIL is refused before any relay question (530 5.7.0).
        var anonymous = await Assert.ThrowsAsync<ServiceNotAuthenticatedException>(() => client.SendAsync(Message("bob@contoso.test", "carol@fabrikam.test")));
        Assert.Contains("5.7.0", anonymous.Message);
    }

    [Fact]
    public async Task ImplicitTls_AcceptsAuthenticatedSubmission()
    {
        await using var host = await StartAsync(DatabaseProvider.Sqlite);
        await MailboxWithPasswordAsync(host, "bob@contoso.test", "bobs-submission-pass");
        using var client = Client();
        await client.ConnectAsync("127.0.0.1", host.PortOf("Client Implicit TLS"), SecureSocketOptions.SslOnConnect);
        await client.AuthenticateAsync("bob@contoso.test", "bobs-submission-pass");

        var reply = await client.SendAsync(Message("bob@contoso.test", "carol@fabrikam.test"));

        Assert.StartsWith("2.6.0", reply);
        Assert.True(client.IsSecure);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ConnectorChange_TakesEffectOnNextConnection_WithoutRestart(DatabaseProvider provider)
    {
        await using var host = await StartAsync(provider);
        var connectors = host.Get<ReceiveConnectorService>();
        var frontend = (await connectors.ListAsync()).Single(c => c.Name == "Default Frontend");
        var oldPort = host.PortOf("Default Frontend");
        var newPort = FreePort.Get();

        // A session opened before the change keeps running on the old binding until it quits.
        using var inFlight = Client();
        await inFlight.ConnectAsync("127.0.0.1", oldPort, SecureSocketOptions.None);

        frontend.Bindings = [new IpBinding("127.0.0.1", newPort)];
        frontend.MaxRecipientsPerMessage = 1;
        frontend.Banner = "Changed live";
        await connectors.UpdateAsync(Admin, frontend);
        await host.WaitForLatestGenerationAsync();

        using var client = Client();
        await client.ConnectAsync("127.0.0.1", newPort, SecureSocketOptions.None);
        var twoRecipients = Message("alice@fabrikam.test", "postmaster@contoso.test");
        twoRecipients.To.Add(MailboxAddress.Parse("postmaster@contoso.test".Replace("postmaster", "abuse")));
        var tooMany = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(twoRecipients));
        Assert.Contains("4.5.3", tooMany.Message);
        var ok = await client.SendAsync(Message("alice@fabrikam.test", "postmaster@contoso.test"));
        Assert.StartsWith("2.6.0", ok);

        var oldSessionStillWorks = await inFlight.SendAsync(Message("alice@fabrikam.test", "postmaster@contoso.test"));
        Assert.StartsWith("2.6.0", oldSessionStillWorks);
        await inFlight.DisconnectAsync(true);
        using var refused = new TcpClient();
        await Assert.ThrowsAsync<SocketException>(() => refused.ConnectAsync("127.0.0.1", oldPort));
    }

    [Fact]
    public async Task ProtocolLog_RecordsSessionWithAuthMasked_When_EnabledOnConnector()
    {
        await using var host = await StartAsync(DatabaseProvider.Sqlite);
        await MailboxWithPasswordAsync(host, "bob@contoso.test", "bobs-submission-pass");
        var connectors = host.Get<ReceiveConnectorService>();
        var submission = (await connectors.ListAsync()).Single(c => c.Name == "Client Frontend");
        submission.ProtocolLogging = ProtocolLoggingLevel.Verbose;
        await connectors.UpdateAsync(Admin, submission);
        await host.WaitForLatestGenerationAsync();

        using (var client = Client())
        {
            await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
            await client.AuthenticateAsync("bob@contoso.test", "bobs-submission-pass");
            await client.SendAsync(Message("bob@contoso.test", "carol@fabrikam.test"));
            await client.DisconnectAsync(true);
        }
        var log = host.Get<FileProtocolLog>();
        await log.DisposeAsync();

        var text = string.Join('\n', Directory.GetFiles(log.Directory).Select(File.ReadAllText));
        Assert.StartsWith(FileProtocolLog.Fields, text);
        Assert.Contains(",Client Frontend,", text);
        Assert.Contains(",<,EHLO ", text);
        Assert.Contains(",>,250", text);
        Assert.Contains("MAIL FROM:<bob@contoso.test>", text);
        Assert.DoesNotContain("bobs-submission-pass", text);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("\0bob@contoso.test\0bobs-submission-pass")), text);
    }

    public void Dispose() => stores.Dispose();
}
