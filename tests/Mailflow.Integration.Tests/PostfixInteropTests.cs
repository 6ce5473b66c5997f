using MailKit;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using MimeKit;

namespace Mailflow.Integration.Tests;

/// <summary>
/// Mailflow and a real, private Postfix (<see cref="PostfixServer"/>) relaying to each other on loopback: Mailflow
/// sends postfix.test to Postfix through a send connector, Postfix relays contoso.test to Mailflow. Each way a
/// message with an 8-bit body and DSN parameters (NOTIFY=SUCCESS, RET=HDRS, ENVID, ORCPT) crosses over STARTTLS:
/// it arrives 8-bit intact (no downgrade: 8BITMIME was negotiated), the receiver's Received field says TLS, and the
/// final MTA's success DSN comes back across the other way carrying the ENVID and ORCPT the sender gave.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class PostfixInteropTests(PostgresFixture postgres) : IDisposable
{
    private const string Alice = "alice@contoso.test";
    private const string Bob = "bob@postfix.test";
    private const string Carol = "carol@postfix.test";
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(60);
    private readonly TestStores _stores = new(postgres);

    /// <summary>MailKit with DSN parameters: NOTIFY=SUCCESS,FAILURE per recipient (MailKit adds ORCPT), ENVID, RET=HDRS.</summary>
    private sealed class DsnSmtpClient(string envelopeId) : SmtpClient
    {
        protected override string GetEnvelopeId(MimeMessage message) => envelopeId;
        protected override DeliveryStatusNotification? GetDeliveryStatusNotifications(MimeMessage message, MailboxAddress mailbox) =>
            DeliveryStatusNotification.Success | DeliveryStatusNotification.Failure;
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task BothWays_OverStartTls_8BitIntact_DsnParametersCarried(DatabaseProvider provider)
    {
        await using var host = MailflowHost.Start(await _stores.CreateAsync(provider));
        var mailflowPort = host.PortOf("Default Frontend");
        await using var postfix = await PostfixServer.StartAsync("contoso.test", mailflowPort);
        var recipients = host.Get<RecipientService>();
        var alice = await recipients.CreateAsync(AdminActor.System, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = Alice });
        await recipients.SetSubmissionPasswordAsync(AdminActor.System, alice.Id, alice.Revision, "alices-submission-pass");
        await host.Get<SendConnectorService>().CreateAsync(AdminActor.System, new SendConnector
        {
            Name = "To Postfix",
            AddressSpaces = [new AddressSpace(PostfixServer.LocalDomain)],
            RoutingMethod = SendRoutingMethod.SmartHost,
            SmartHosts = [$"127.0.0.1:{postfix.Port}"],
            TlsPolicy = OutboundTlsPolicy.Required,
        });
        await host.WaitForLatestGenerationAsync();

        // 1. Mailflow → Postfix (submitted by alice), and Postfix's success DSN back to alice through Mailflow.
        var outbound = Message(Alice, Bob, "Mailflow to Postfix", "Grüße von Mailflow: äöü ß € — 8-bit all the way.");
        using (var client = new DsnSmtpClient("mf-envid-1") { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 })
        {
            client.DeliveryStatusNotificationType = DeliveryStatusNotificationType.HeadersOnly;
            await client.ConnectAsync("127.0.0.1", host.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
            await client.AuthenticateAsync(Alice, "alices-submission-pass");
            await client.SendAsync(outbound);
            await client.DisconnectAsync(true);
        }
        var atPostfix = await WaitForAsync(() => postfix.DeliveredFiles().Select(Load).FirstOrDefault(m => m.Subject == "Mailflow to Postfix"), postfix);
        AssertEightBitIntact(outbound, atPostfix);
        // Postfix's own Received field (smtpd_tls_received_header): it took the message from Mailflow over TLS.
        var postfixReceived = atPostfix.Headers.First(h => h.Field == "Received").Value;
        Assert.Contains("by " + PostfixServer.HostName, postfixReceived, StringComparison.Ordinal);
        Assert.Contains("(using TLS", postfixReceived, StringComparison.Ordinal);
        Assert.Contains("with ESMTPS", postfixReceived, StringComparison.Ordinal);
        var postfixLog = await postfix.ReadLogAsync();
        Assert.Contains("Anonymous TLS connection established from localhost[127.0.0.1]", postfixLog, StringComparison.Ordinal);

        var successFromPostfix = await WaitForAsync(() => MaildirMessages(host, Alice).FirstOrDefault(m => m.Body is MultipartReport), postfix);
        var (perMessage, recipient) = Status(successFromPostfix);
        Assert.Equal("mf-envid-1", perMessage["Original-Envelope-Id"]);
        Assert.Contains("dns; " + PostfixServer.HostName, perMessage["Reporting-MTA"] ?? "", StringComparison.Ordinal);
        Assert.Equal("delivered", recipient["Action"]);
        Assert.Equal("2.0.0", recipient["Status"]);
        Assert.Equal("rfc822;" + Bob, (recipient["Original-Recipient"] ?? "").Replace(" ", "", StringComparison.Ordinal));
        // RET=HDRS: Postfix returned the headers only.
        Assert.Contains(Assert.IsType<MultipartReport>(successFromPostfix.Body), part => part.ContentType.IsMimeType("text", "rfc822-headers"));

        // 2. Postfix → Mailflow (carol at Postfix writes to alice), and Mailflow's success DSN back to carol through Postfix.
        var inbound = Message(Carol, Alice, "Postfix to Mailflow", "Grüße von Postfix: ÆØÅ æøå — and back again €.");
        using (var client = new DsnSmtpClient("pf-envid-2") { Timeout = 15_000 })
        {
            client.DeliveryStatusNotificationType = DeliveryStatusNotificationType.HeadersOnly;
            await client.ConnectAsync("127.0.0.1", postfix.Port, SecureSocketOptions.None);
            await client.SendAsync(inbound);
            await client.DisconnectAsync(true);
        }
        var atMailflow = await WaitForAsync(() => MaildirMessages(host, Alice).FirstOrDefault(m => m.Subject == "Postfix to Mailflow"), postfix);
        AssertEightBitIntact(inbound, atMailflow);
        // Mailflow's Received field: from Postfix's host, over TLS (ESMTPS), and Postfix's log says it used TLS to us.
        var mailflowReceived = atMailflow.Headers.First(h => h.Field == "Received").Value;
        Assert.Contains("from " + PostfixServer.HostName, mailflowReceived, StringComparison.Ordinal);
        Assert.Contains("with ESMTPS", mailflowReceived, StringComparison.Ordinal);
        postfixLog = await postfix.ReadLogAsync();
        Assert.Contains($"TLS connection established to 127.0.0.1[127.0.0.1]:{mailflowPort}", postfixLog, StringComparison.Ordinal);

        var successFromMailflow = await WaitForAsync(() => postfix.DeliveredFiles().Select(Load).FirstOrDefault(m => m.Body is MultipartReport), postfix);
        (perMessage, recipient) = Status(successFromMailflow);
        Assert.Equal("pf-envid-2", perMessage["Original-Envelope-Id"]);
        Assert.Contains("dns; mx.contoso.test", perMessage["Reporting-MTA"] ?? "", StringComparison.Ordinal);
        Assert.Equal("delivered", recipient["Action"]);
        Assert.Equal("rfc822;" + Alice, (recipient["Original-Recipient"] ?? "").Replace(" ", "", StringComparison.Ordinal));
        // RET=HDRS reached Mailflow through Postfix: the headers only, not the message.
        Assert.Contains(Assert.IsType<MultipartReport>(successFromMailflow.Body), part => part.ContentType.IsMimeType("text", "rfc822-headers"));
        Assert.DoesNotContain(Assert.IsType<MultipartReport>(successFromMailflow.Body), part => part.ContentType.IsMimeType("message", "rfc822"));
    }

    private static MimeMessage Message(string from, string to, string subject, string text)
    {
        var body = new TextPart("plain") { Text = text + "\n" + string.Concat(Enumerable.Repeat("Zeile mit Umlauten: äöü\n", 20)) };
        body.ContentTransferEncoding = ContentEncoding.EightBit;
        body.ContentType.Charset = "utf-8";
        var message = new MimeMessage { Subject = subject, Body = body };
        message.From.Add(MailboxAddress.Parse(from));
        message.To.Add(MailboxAddress.Parse(to));
        return message;
    }

    /// <summary>Still 8bit, byte for byte: a hop without 8BITMIME would have made it quoted-printable.</summary>
    private static void AssertEightBitIntact(MimeMessage sent, MimeMessage received)
    {
        var part = Assert.IsType<TextPart>(received.Body);
        Assert.Equal(ContentEncoding.EightBit, part.ContentTransferEncoding);
        Assert.Equal(Assert.IsType<TextPart>(sent.Body).Text?.Replace("\r\n", "\n", StringComparison.Ordinal), part.Text?.Replace("\r\n", "\n", StringComparison.Ordinal));
    }

    private static (HeaderList PerMessage, HeaderList Recipient) Status(MimeMessage report)
    {
        var status = Assert.IsType<MultipartReport>(report.Body).OfType<MessageDeliveryStatus>().Single();
        return (status.StatusGroups[0], status.StatusGroups[1]);
    }

    private static MimeMessage Load(string file) => MimeMessage.Load(file);

    private static IEnumerable<MimeMessage> MaildirMessages(MailflowHost host, string address)
    {
        var folder = Path.Combine(host.DataDirectory, "maildir", address, "new");
        return Directory.Exists(folder) ? Directory.GetFiles(folder).Select(Load) : [];
    }

    private static async Task<MimeMessage> WaitForAsync(Func<MimeMessage?> probe, PostfixServer postfix)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (DateTime.UtcNow < deadline)
        {
            if (probe() is { } found)
                return found;
            await Task.Delay(200);
        }
        throw new TimeoutException($"the message did not arrive within {Patience.TotalSeconds:0} s. Postfix's log:\n{await postfix.ReadLogAsync()}");
    }

    public void Dispose() => _stores.Dispose();
}
