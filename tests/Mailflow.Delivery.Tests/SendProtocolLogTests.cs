using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Deliver.Smtp;
using Mailflow.Server.Transport.Receive.Directory;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mailflow.Delivery.Tests;

/// <summary>
/// The SEND protocol log over a real loopback session: the conversation with the smart host is written (commands
/// out, replies in, the refusal of one recipient), AUTH secrets are masked and the message body is not copied.
/// </summary>
public sealed class SendProtocolLogTests : IAsyncLifetime
{
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("mailflow-sendlog-").FullName;
    private SmtpConnectionPool _pool = null!;
    private SendProtocolLog _log = null!;
    private SmtpDeliveryAgent _agent = null!;
    private LoopbackSmtpServer _server = null!;

    public Task InitializeAsync()
    {
        var options = Options.Create(new MailflowOptions { DataDirectory = _dataDirectory });
        _pool = new SmtpConnectionPool(TimeProvider.System);
        _log = new SendProtocolLog(options, Options.Create(new ProtocolLogOptions()), TimeProvider.System);
        _agent = new SmtpDeliveryAgent(_pool, _log, options, NullLogger<SmtpDeliveryAgent>.Instance);
        _server = LoopbackSmtpServer.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _server.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    [Fact]
    public async Task Deliver_ThroughAnAuthenticatingSmartHost_LogsTheConversationWithSecretsMaskedAndWithoutTheBody()
    {
        _server.Script.OfferStartTls = true;
        _server.Script.Credentials = new NetworkCredential("relay-user", "s3cret-Pass");
        _server.Script.RcptReply = (address, _) => address.StartsWith("gone", StringComparison.Ordinal) ? "550 5.1.1 <gone@remote.test>: no such user" : null;
        var content = TestMessages.Plain(subject: "Quarterly figures for the board");
        var message = TestMessages.Message(content, recipients: ["bob@remote.test", "gone@remote.test"]);
        var target = TestMessages.SmtpTarget((_server.Host, _server.Port)) with { };
        target = target with
        {
            Smtp = target.Smtp with
            {
                ConnectorName = "Partner relay via the northwind smart host",
                Credentials = new NetworkCredential("relay-user", "s3cret-Pass"),
                TlsPolicy = OutboundTlsPolicy.RequiredWithCertificateValidation,
                TlsCertificateDomain = "localhost",
                TrustedRoots = [X509CertificateLoader.LoadCertificate(LoopbackSmtpServer.Certificate.RawData)],
            },
        };

        var outcomes = await _agent.DeliverAsync(TestMessages.Batch(message, content, target), CancellationToken.None);
        Assert.Equal([RecipientOutcomeKind.Delivered, RecipientOutcomeKind.Permanent], outcomes.Select(o => o.Kind));
        await _pool.DisposeAsync(); // QUIT and close: the session's last lines
        await _log.DisposeAsync(); // flush

        var file = Assert.Single(Directory.GetFiles(Path.Combine(_dataDirectory, "logs", "protocol"), "SEND*.log"));
        var text = await File.ReadAllTextAsync(file);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => ProtocolLogLine.Parse(l.TrimEnd('\r'))).OfType<ProtocolLogLine>().ToList();

        Assert.All(lines, l => Assert.Equal("Partner relay via the northwind smart host", l.Connector));
        Assert.Single(lines.Select(l => l.SessionId).Distinct());
        Assert.Contains(lines, l => l.Event == ">" && l.Data == "MAIL FROM:<alice@sender.test> SIZE=" + content.Length + " BODY=8BITMIME" || l.Event == ">" && l.Data.StartsWith("MAIL FROM:<alice@sender.test>", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Event == "<" && l.Data.StartsWith("550 5.1.1", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Event == ">" && l.Data.StartsWith("*** message data:", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Event == "*" && l.Data == "disconnected");
        Assert.Contains(lines, l => l.Event == ">" && l.Data.StartsWith("AUTH ", StringComparison.Ordinal));
        Assert.DoesNotContain("s3cret-Pass", text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("\0relay-user\0s3cret-Pass")), text, StringComparison.Ordinal);
        Assert.DoesNotContain(Convert.ToBase64String(Encoding.UTF8.GetBytes("s3cret-Pass")), text, StringComparison.Ordinal);
        Assert.DoesNotContain("Quarterly figures", text, StringComparison.Ordinal);
        Assert.Equal("Partly refused", ProtocolLogOutcome.Of(lines, ProtocolLogOutcome.Direction.Send));
    }
}
