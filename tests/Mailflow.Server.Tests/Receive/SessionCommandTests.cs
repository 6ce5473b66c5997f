using Mailflow.Configuration;
using Mailflow.Server.Tests.Receive.Fakes;
using Mailflow.Server.Transport;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Receive.Session;
using Mailflow.Smtp;

namespace Mailflow.Server.Tests.Receive;

public class SessionCommandTests
{
    [Fact]
    public async Task Greeting_WhenSessionStarts_Sends220WithFqdnAndBanner()
    {
        await using var s = await SessionScript.StartAsync(readGreeting: false);
        Assert.Equal("220 mx.local.test Mailflow ESMTP ready\r\n", await s.ReadReplyAsync());
    }

    [Fact]
    public async Task Ehlo_WhenNoTlsOrAuthAvailable_AdvertisesCoreExtensionsOnly()
    {
        await using var s = await SessionScript.StartAsync();
        var reply = await s.EhloAsync();
        Assert.Equal(
            "250-mx.local.test Hello [198.51.100.7]\r\n250-PIPELINING\r\n250-SIZE 37748736\r\n250-8BITMIME\r\n250-BINARYMIME\r\n" +
            "250-CHUNKING\r\n250-SMTPUTF8\r\n250-ENHANCEDSTATUSCODES\r\n250 DSN\r\n", reply);
    }

    [Fact]
    public async Task Ehlo_WhenAuthAllowedWithoutTls_AdvertisesAuthPlainLogin()
    {
        var policy = SessionScript.DefaultPolicy with { OfferBasicAuth = true, BasicAuthRequiresTls = false };
        await using var s = await SessionScript.StartAsync(policy, authenticator: new FakeAuthenticator());
        Assert.EndsWith("250-DSN\r\n250 AUTH PLAIN LOGIN\r\n", await s.EhloAsync());
    }

    [Fact]
    public async Task Ehlo_WhenAuthRequiresTlsAndTlsIsNotActive_DoesNotAdvertiseAuth()
    {
        var policy = SessionScript.DefaultPolicy with { OfferBasicAuth = true, BasicAuthRequiresTls = true };
        await using var s = await SessionScript.StartAsync(policy, authenticator: new FakeAuthenticator());
        Assert.DoesNotContain("AUTH", await s.EhloAsync());
    }

    [Fact]
    public async Task Helo_WhenUsed_RepliesWithoutExtensions()
    {
        await using var s = await SessionScript.StartAsync();
        Assert.Equal("250 mx.local.test\r\n", await s.SendAsync("HELO client.example", "250 "));
    }

    [Theory]
    [InlineData("MAIL FROM:<a@b.example>", "503 5.5.1 Bad sequence of commands: MAIL not allowed now, expected EHLO or HELO or STARTTLS")]
    [InlineData("RCPT TO:<alice@local.test>", "503 5.5.1")]
    [InlineData("DATA", "503 5.5.1")]
    [InlineData("AUTH PLAIN", "503 5.5.1")]
    public async Task Command_WhenSentBeforeEhlo_Returns503(string command, string expect)
    {
        await using var s = await SessionScript.StartAsync();
        await s.SendAsync(command, expect);
    }

    [Fact]
    public async Task Rcpt_WhenNoMailGiven_Returns503NamingMail()
    {
        await using var s = await SessionScript.StartAsync();
        await s.EhloAsync();
        await s.SendAsync("RCPT TO:<alice@local.test>", "503 5.5.1 Bad sequence of commands: RCPT not allowed now, expected AUTH or EHLO or HELO or MAIL or STARTTLS");
    }

    [Fact]
    public async Task Data_WhenEveryRecipientWasRefused_Returns554NoValidRecipients()
    {
        await using var s = await SessionScript.StartAsync();
        await s.EhloAsync();
        await s.SendAsync("MAIL FROM:<a@b.example>", "250 2.1.0");
        await s.SendAsync("RCPT TO:<nobody@local.test>", "550 5.1.1");
        await s.SendAsync("DATA", "554 5.5.1");
    }

    [Fact]
    public async Task Mail_WhenTransactionAlreadyOpen_Returns503()
    {
        await using var s = await SessionScript.StartAsync();
        await s.EhloAsync();
        await s.SendAsync("MAIL FROM:<a@b.example>", "250 2.1.0");
        await s.SendAsync("MAIL FROM:<c@b.example>", "503 5.5.1");
    }

    [Fact]
    public async Task Rset_WhenTransactionOpen_ClearsIt()
    {
        await using var s = await SessionScript.StartAsync();
        await s.EhloAsync();
        await s.SendAsync("MAIL FROM:<a@b.example>", "250 2.1.0");
        await s.SendAsync("RSET", "250 2.0.0");
        await s.SendAsync("RCPT TO:<alice@local.test>", "503 5.5.1");
        await s.SendAsync("MAIL FROM:<a@b.example>", "250 2.1.0");
    }

    [Fact]
    public async Task Ehlo_WhenTransactionOpen_ResetsIt()
    {
        await using var s = await SessionScript.StartAsync();
        await s.EhloAsync();
        await s.SendAsync("MAIL FROM:<a@b.example>", "250 2.1.0");
        await s.EhloAsync();
        await s.SendAsync("RCPT TO:<alice@local.test>", "503 5.5.1");
    }

    [Theory]
    [InlineData("VRFY alice", "252 2.5.0")]
    [InlineData("HELP", "214 2.0.0")]
    [InlineData("NOOP", "250 2.0.0")]
    [InlineData("EXPN staff", "502 5.5.1")]
    [InlineData("XYZZY", "500 5.5.2")]
    [InlineData("STARTTLS", "502 5.5.1")]
    public async Task Command_WhenSentAfterEhlo_GetsItsReply(string command, string expect)
    {
        var policy = SessionScript.DefaultPolicy with { OfferTls = false };
        await using var s = await SessionScript.StartAsync(policy);
        await s.EhloAsync();
        await s.SendAsync(command, expect);
    }

    [Fact]
    public async Task StartTls_WhenNoCertificateAvailable_Returns454()
    {
        await using var s = await SessionScript.StartAsync();
        await s.EhloAsync();
        await s.SendAsync("STARTTLS", "454 4.7.0");
    }

    [Fact]
    public async Task Quit_WhenSent_Replies221AndCloses()
    {
        await using var s = await SessionScript.StartAsync();
        await s.SendAsync("QUIT", "221 2.0.0");
        await s.ExpectClosedAsync();
    }

    [Fact]
    public async Task Pipelining_WhenCommandsArriveTogether_RepliesInOrderInOneFlush()
    {
        var sink = new RecordingSink();
        await using var s = await SessionScript.StartAsync(sink: sink);
        await s.EhloAsync();

        await s.SendRawAsync("MAIL FROM:<a@b.example>\r\nRCPT TO:<alice@local.test>\r\nRCPT TO:<x@remote.test>\r\nRCPT TO:<bob@local.test>\r\nDATA\r\n");

        await s.ExpectAsync("250 2.1.0");
        await s.ExpectAsync("250 2.1.5");
        await s.ExpectAsync("550 5.7.54");
        await s.ExpectAsync("250 2.1.5");
        await s.ExpectAsync("354 ");
        await s.SendRawAsync("Subject: hi\r\n\r\nbody\r\n.\r\nQUIT\r\n");
        await s.ExpectAsync("250 2.6.0 <Q1> Queued mail for delivery");
        await s.ExpectAsync("221 2.0.0");
        var message = Assert.Single(sink.Committed);
        Assert.Equal(["alice@local.test", "bob@local.test"], message.Envelope.Recipients.Select(r => r.Address));
    }

    [Fact]
    public async Task Pipelining_WhenLastCommandIsIncomplete_FlushesRepliesForTheCompleteOnes()
    {
        await using var s = await SessionScript.StartAsync();
        await s.SendRawAsync("EHLO client.example\r\nNOOP\r\nNO");
        await s.ExpectAsync("250 DSN");
        await s.ExpectAsync("250 2.0.0");
        await s.SendRawAsync("OP\r\n");
        await s.ExpectAsync("250 2.0.0");
    }

    [Fact]
    public async Task Mail_WhenDeclaredSizeExceedsLimit_Returns552()
    {
        var policy = SessionScript.DefaultPolicy with { MaxMessageSize = 1000 };
        await using var s = await SessionScript.StartAsync(policy);
        await s.EhloAsync();
        await s.SendAsync("MAIL FROM:<a@b.example> SIZE=1001", "552 5.3.4");
        await s.SendAsync("MAIL FROM:<a@b.example> SIZE=1000", "250 2.1.0");
    }

    [Fact]
    public async Task Mail_WhenConnectorRequiresTlsAndTlsIsNotActive_Returns530()
    {
        var policy = SessionScript.DefaultPolicy with { RequireTls = true };
        await using var s = await SessionScript.StartAsync(policy);
        await s.EhloAsync();
        await s.SendAsync("MAIL FROM:<a@b.example>", "530 5.7.0");
    }

    [Fact]
    public async Task Mail_WhenConnectorAdmitsOnlyAuthenticatedUsers_Returns530BeforeAuth()
    {
        var policy = SessionScript.DefaultPolicy with { PermissionGroups = ReceivePermissionGroups.AuthenticatedUsers };
        await using var s = await SessionScript.StartAsync(policy);
        await s.EhloAsync();
        await s.SendAsync("MAIL FROM:<a@b.example>", "530 5.7.0 Authentication required");
    }

    [Fact]
    public async Task Mail_WhenSenderIsUtf8WithoutSmtpUtf8_Returns553()
    {
        await using var s = await SessionScript.StartAsync();
        await s.EhloAsync();
        await s.SendAsync("MAIL FROM:<jöe@b.example>", "553 5.6.7");
        await s.SendAsync("MAIL FROM:<jöe@b.example> SMTPUTF8", "250 2.1.0");
    }

    [Fact]
    public async Task Rcpt_WhenRecipientIsUtf8_RequiresSmtpUtf8OnTheTransaction()
    {
        var authority = new FakeAddressAuthority();
        authority.Mailboxes.Add("用户@local.test");
        var sink = new RecordingSink();
        await using var s = await SessionScript.StartAsync(authority: authority, sink: sink);
        await s.EhloAsync();
        await s.SendAsync("MAIL FROM:<a@b.example>", "250 2.1.0");
        await s.SendAsync("RCPT TO:<用户@local.test>", "553 5.6.7");
        await s.SendAsync("RSET", "250");
        await s.SendAsync("MAIL FROM:<a@b.example> SMTPUTF8", "250 2.1.0");
        await s.SendAsync("RCPT TO:<用户@local.test>", "250 2.1.5");
        await s.SendAsync("DATA", "354");
        await s.SendAsync("Subject: 你好\r\n\r\nbody\r\n.", "250 2.6.0");
        var message = Assert.Single(sink.Committed);
        Assert.True(message.Envelope.SmtpUtf8);
        Assert.Contains("with UTF8SMTP id", message.Text);
        Assert.Contains("for <用户@local.test>", message.Text);
    }

    [Fact]
    public async Task Rcpt_WhenLimitReached_Returns452AndKeepsEarlierRecipients()
    {
        var policy = SessionScript.DefaultPolicy with { MaxRecipientsPerMessage = 2 };
        var sink = new RecordingSink();
        await using var s = await SessionScript.StartAsync(policy, sink: sink);
        await s.EhloAsync();
        await s.SendAsync("MAIL FROM:<a@b.example>", "250");
        await s.SendAsync("RCPT TO:<alice@local.test>", "250 2.1.5");
        await s.SendAsync("RCPT TO:<bob@local.test>", "250 2.1.5");
        await s.SendAsync("RCPT TO:<postmaster>", "452 4.5.3");
        await s.SendAsync("DATA", "354");
        await s.SendAsync("\r\nx\r\n.", "250 2.6.0");
        Assert.Equal(2, Assert.Single(sink.Committed).Envelope.Recipients.Count);
    }

    [Fact]
    public async Task Rcpt_WhenDsnParametersGiven_KeepsThemInTheEnvelope()
    {
        var sink = new RecordingSink();
        await using var s = await SessionScript.StartAsync(sink: sink);
        await s.EhloAsync();
        await s.SendAsync("MAIL FROM:<a@b.example> RET=HDRS ENVID=abc123 BODY=8BITMIME", "250");
        await s.SendAsync("RCPT TO:<alice@local.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;alice@local.test", "250");
        await s.SendAsync("DATA", "354");
        await s.SendAsync("\r\nhi\r\n.", "250 2.6.0");
        var envelope = Assert.Single(sink.Committed).Envelope;
        Assert.Equal("a@b.example", envelope.Sender);
        Assert.Equal(DsnReturn.Headers, envelope.DsnReturn);
        Assert.Equal("abc123", envelope.DsnEnvelopeId);
        Assert.Equal(BodyType.EightBitMime, envelope.BodyType);
        Assert.Equal(new EnvelopeRecipient("alice@local.test", DsnNotify.Success | DsnNotify.Delay, "rfc822;alice@local.test"), envelope.Recipients.Single());
        Assert.Equal("client.example", envelope.Client.HeloName);
        Assert.Equal("198.51.100.7", envelope.Client.RemoteAddress.ToString());
        Assert.Equal(s.Policy.ConnectorId, envelope.ReceiveConnectorId);
        Assert.Equal("node1", envelope.NodeName);
    }

    [Fact]
    public async Task ProtocolErrors_WhenLimitReached_Sends421AndCloses()
    {
        var policy = SessionScript.DefaultPolicy with { MaxProtocolErrors = 3 };
        await using var s = await SessionScript.StartAsync(policy);
        await s.SendAsync("BOGUS", "500 5.5.2");
        await s.SendAsync("MAIL FROM:<a@b>", "503 5.5.1");
        await s.SendRawAsync("EHLO\r\n");
        await s.ExpectAsync("501 5.5.2");
        await s.ExpectAsync("421 4.7.0");
        await s.ExpectClosedAsync();
    }

    [Fact]
    public async Task Session_WhenUnexpectedExceptionOccurs_Sends421AndClosesWithoutHanging()
    {
        await using var s = await SessionScript.StartAsync(protocolLog: new ThrowingProtocolLog());
        await s.SendAsync("NOOP", "421 4.3.0");
        await s.ExpectClosedAsync();
    }

    [Fact]
    public async Task ProtocolLog_WhenSessionRuns_RecordsBothDirections()
    {
        var log = new InMemoryProtocolLog();
        await using var s = await SessionScript.StartAsync(protocolLog: log);
        await s.SendAsync("NOOP", "250");
        Assert.Contains(log.Entries, e => e is { Direction: ProtocolDirection.Received, Text: "NOOP" });
        Assert.Contains(log.Entries, e => e is { Direction: ProtocolDirection.Sent, Text: "250 2.0.0 OK" });
        Assert.All(log.Entries, e => Assert.Equal("S1", e.SessionId));
    }

    private sealed class ThrowingProtocolLog : IProtocolLog
    {
        public void Write(ProtocolLogEntry entry)
        {
            if (entry.Text == "NOOP")
                throw new InvalidOperationException("boom");
        }
    }
}
