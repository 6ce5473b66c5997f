using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using MimeKit;

namespace Mailflow.Server.Tests.Receive.Wire;

/// <summary>REQUIRETLS on receipt (RFC 8689 §2, §4.1) over a real loopback listener: offered only under TLS, refused in clear, carried with the message.</summary>
public class RequireTlsWireTests
{
    [Fact]
    public async Task Ehlo_AdvertisesRequireTlsOnlyOnceTlsIsActive_AndMailWithRequireTlsInClearIsRefused()
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default"));
        await using var client = await RawSmtpClient.ConnectAsync(host.Port());
        await client.ExpectAsync("220");
        var clear = await client.SendAsync("EHLO c.test", "250 ");
        Assert.DoesNotContain("REQUIRETLS", clear);
        await client.SendAsync("MAIL FROM:<a@remote.test> REQUIRETLS", "530 5.7.10 REQUIRETLS needs a TLS-protected session");
        await client.SendAsync("STARTTLS", "220 2.0.0");
        await client.StartTlsHandshakeAsync();
        var secure = await client.SendAsync("EHLO c.test", "250 ");
        Assert.Contains("REQUIRETLS", secure);
        // RFC 8689 §2: the keyword takes no value.
        await client.SendAsync("MAIL FROM:<a@remote.test> REQUIRETLS=YES", "501 5.5.4");
        await client.SendAsync("MAIL FROM:<a@remote.test> REQUIRETLS", "250");
        await client.SendAsync("QUIT", "221");
        Assert.Empty(host.Sink.Committed);
    }

    [Fact]
    public async Task Send_WithRequireTlsOverStartTls_StoresTheFlagWithTheEnvelope()
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default"));
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000, RequireTLS = true };
        await client.ConnectAsync("127.0.0.1", host.Port(), SecureSocketOptions.StartTls);
        Assert.True(client.Capabilities.HasFlag(SmtpCapabilities.RequireTLS));
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@remote.test"));
        message.To.Add(MailboxAddress.Parse("alice@local.test"));
        message.Subject = "secret";
        message.Body = new TextPart("plain") { Text = "only over TLS" };
        await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);

        var stored = Assert.Single(host.Sink.Committed);
        Assert.True(stored.Envelope.RequireTls);
        Assert.Matches("MAIL FROM:<sender@remote.test>[^\n]* REQUIRETLS", host.ProtocolLog.Transcript);
    }

    [Fact]
    public async Task Send_WithoutRequireTls_StoresNoFlag()
    {
        await using var host = await ReceiveHost.StartAsync(ReceiveHost.Connector("Default", ConnectorTlsMode.None));
        using var client = new SmtpClient { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", host.Port(), SecureSocketOptions.None);
        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("sender@remote.test"));
        message.To.Add(MailboxAddress.Parse("alice@local.test"));
        message.Subject = "plain";
        message.Body = new TextPart("plain") { Text = "x" };
        await client.SendAsync(message);
        await client.DisconnectAsync(quit: true);

        Assert.False(Assert.Single(host.Sink.Committed).Envelope.RequireTls);
    }
}
