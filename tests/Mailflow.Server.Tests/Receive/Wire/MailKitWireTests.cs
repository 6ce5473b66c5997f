using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Server.Tests.Receive.Fakes;
using Mailflow.Server.Transport;
using Mailflow.Smtp;
using MimeKit;

namespace Mailflow.Server.Tests.Receive.Wire;

/// <summary>Happy paths with a real client (MailKit's SmtpClient) on a real loopback listener.</summary>
public class MailKitWireTests
{
    private static MimeMessage Message(string from = "sender@remote.test", string to = "alice@local.test", string body = "Hello from MailKit.\n.leading dot line\n")
    {
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        message.Subject = "wire test";
        message.Body = new TextPart("plain") { Text = body };
        return message;
    }

    private static async Task<SmtpClient> ConnectAsync(int port, SecureSocketOptions options)
    {
        var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", port, options);
        return client;
    }

    private static async Task<RecordingSink.StoredMessage> SingleAsync(ReceiveHost host)
    {
        var stored = Assert.Single(host.Sink.Committed);
        using var stream = new MemoryStream(stored.Content);
        var parsed = await MimeMessage.LoadAsync(stream);
        Assert.Equal("wire test", parsed.Subject);
        return stored;
    }

    [Fact]
    public async Task Send_WhenPlainConnection_StoresTheMessage()
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default", ConnectorTlsMode.None));
        using var client = await ConnectAsync(host.Port(), SecureSocketOptions.None);
        await client.SendAsync(Message());
        await client.DisconnectAsync(quit: true);

        var stored = await SingleAsync(host);
        Assert.Contains("\r\n.leading dot line\r\n", stored.Text);
        Assert.Null(stored.Envelope.Client.TlsProtocol);
        Assert.Contains("with ESMTP id", stored.Text);
    }

    [Fact]
    public async Task Send_WhenStartTls_StoresTheMessageWithTlsDetails()
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default"));
        using var client = await ConnectAsync(host.Port(), SecureSocketOptions.StartTls);
        Assert.True(client.IsSecure);
        await client.SendAsync(Message());
        await client.DisconnectAsync(quit: true);

        var stored = await SingleAsync(host);
        Assert.StartsWith("Tls1", stored.Envelope.Client.TlsProtocol);
        Assert.Contains("with ESMTPS id", stored.Text);
    }

    [Fact]
    public async Task Send_WhenImplicitTls_StoresTheMessage()
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Implicit", ConnectorTlsMode.ImplicitTls));
        using var client = await ConnectAsync(host.Port(), SecureSocketOptions.SslOnConnect);
        Assert.True(client.IsSecure);
        Assert.False(client.Capabilities.HasFlag(SmtpCapabilities.StartTLS));
        await client.SendAsync(Message());
        await client.DisconnectAsync(quit: true);
        Assert.NotNull((await SingleAsync(host)).Envelope.Client.TlsProtocol);
    }

    [Theory]
    [InlineData("PLAIN")]
    [InlineData("LOGIN")]
    public async Task Authenticate_WhenCredentialsValidOverTls_RelaysToRemoteDomain(string mechanism)
    {
        var submission = ReceiveHost.Connector("Client", configure: c =>
        {
            c.PermissionGroups = ReceivePermissionGroups.AuthenticatedUsers;
            c.AuthMechanisms = ReceiveAuthMechanisms.Tls | ReceiveAuthMechanisms.BasicAuth | ReceiveAuthMechanisms.BasicAuthRequireTls;
        });
        await using var host = await ReceiveHost.StartAsync(submission);
        using var client = await ConnectAsync(host.Port(), SecureSocketOptions.StartTls);
        Assert.Contains(mechanism, client.AuthenticationMechanisms);
        foreach (var other in client.AuthenticationMechanisms.Where(m => m != mechanism).ToList())
            client.AuthenticationMechanisms.Remove(other);
        await client.AuthenticateAsync(FakeAuthenticator.User, FakeAuthenticator.Password);
        await client.SendAsync(Message(from: FakeAuthenticator.User, to: "someone@remote.test"));
        await client.DisconnectAsync(quit: true);

        var stored = await SingleAsync(host);
        Assert.Equal(FakeAuthenticator.User, stored.Envelope.Client.AuthenticatedAs);
        Assert.Contains("with ESMTPSA id", stored.Text);
        Assert.DoesNotContain(FakeAuthenticator.Password, host.ProtocolLog.Transcript);
        Assert.DoesNotContain(Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(FakeAuthenticator.Password)), host.ProtocolLog.Transcript);
    }

    [Fact]
    public async Task Authenticate_WhenPasswordWrong_ThrowsAuthenticationException()
    {
        var submission = ReceiveHost.Connector("Client", configure: c =>
        {
            c.PermissionGroups = ReceivePermissionGroups.AuthenticatedUsers;
            c.AuthMechanisms = ReceiveAuthMechanisms.Tls | ReceiveAuthMechanisms.BasicAuth | ReceiveAuthMechanisms.BasicAuthRequireTls;
        });
        await using var host = await ReceiveHost.StartAsync(submission);
        using var client = await ConnectAsync(host.Port(), SecureSocketOptions.StartTls);
        await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync(FakeAuthenticator.User, "wrong"));
    }

    [Fact]
    public async Task Connect_WhenAuthRequiresTlsAndSessionIsPlain_DoesNotOfferAuth()
    {
        var submission = ReceiveHost.Connector("Client", configure: c =>
            c.AuthMechanisms = ReceiveAuthMechanisms.Tls | ReceiveAuthMechanisms.BasicAuth | ReceiveAuthMechanisms.BasicAuthRequireTls);
        await using var host = await ReceiveHost.StartAsync(submission);
        using var client = await ConnectAsync(host.Port(), SecureSocketOptions.None);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.StartTLS));
        Assert.Empty(client.AuthenticationMechanisms);
    }

    [Fact]
    public async Task Send_WhenBodyIsBinary_UsesBdatAndStoresItUnchanged()
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default", ConnectorTlsMode.None));
        var message = Message();
        var binary = new byte[3000];
        for (var i = 0; i < binary.Length; i++)
            binary[i] = (byte)(i % 256);
        var attachment = new MimePart("application", "octet-stream")
        {
            Content = new MimeContent(new MemoryStream(binary)),
            ContentTransferEncoding = ContentEncoding.Binary,
            FileName = "blob.bin",
        };
        message.Body = new Multipart("mixed") { new TextPart("plain") { Text = "see attachment" }, attachment };
        using var client = await ConnectAsync(host.Port(), SecureSocketOptions.None);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.Chunking));
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.BinaryMime));
        await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);

        var stored = await SingleAsync(host);
        Assert.Equal(BodyType.BinaryMime, stored.Envelope.BodyType);
        Assert.Contains(host.ProtocolLog.Entries, e => e.Text.StartsWith("BDAT ", StringComparison.Ordinal));
        using var stream = new MemoryStream(stored.Content);
        var parsed = await MimeMessage.LoadAsync(stream);
        var part = Assert.IsType<MimePart>(parsed.Attachments.Single());
        using var decoded = new MemoryStream();
        await part.Content!.DecodeToAsync(decoded);
        Assert.Equal(binary, decoded.ToArray());
    }

    [Fact]
    public async Task Send_WhenBodyIs8Bit_Declares8BitMime()
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default", ConnectorTlsMode.None));
        var message = Message();
        message.Body = new TextPart("plain") { Text = "Grüße, naïve café\n", ContentTransferEncoding = ContentEncoding.EightBit };
        using var client = await ConnectAsync(host.Port(), SecureSocketOptions.None);
        await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);

        var stored = await SingleAsync(host);
        Assert.Equal(BodyType.EightBitMime, stored.Envelope.BodyType);
        Assert.Contains("Grüße, naïve café", stored.Text);
    }

    [Fact]
    public async Task Send_WhenAddressesAreInternationalized_UsesSmtpUtf8()
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default", ConnectorTlsMode.None));
        using var client = await ConnectAsync(host.Port(), SecureSocketOptions.None);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.UTF8));
        await client.SendAsync(Message(from: "jöran@remote.test", to: "anyone@partner.test"));
        await client.DisconnectAsync(quit: true);

        var stored = await SingleAsync(host);
        Assert.True(stored.Envelope.SmtpUtf8);
        Assert.Equal("jöran@remote.test", stored.Envelope.Sender);
    }

    [Fact]
    public async Task Send_WhenRecipientIsRemote_ThrowsWithRelayDenied()
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default", ConnectorTlsMode.None));
        using var client = await ConnectAsync(host.Port(), SecureSocketOptions.None);
        var error = await Assert.ThrowsAsync<SmtpCommandException>(() => client.SendAsync(Message(to: "victim@remote.test")));
        Assert.Equal(SmtpStatusCode.MailboxUnavailable, error.StatusCode);
        Assert.Contains("relay", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(host.Sink.Committed);
    }
}
