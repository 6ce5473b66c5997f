using System.Net;
using System.Security.Cryptography.X509Certificates;
using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Deliver.Smtp;
using Mailflow.Server.Transport.Queue;
using Mailflow.Smtp;
using Mailflow.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;
using MimeKit;

namespace Mailflow.Delivery.Tests;

/// <summary>The SMTP agent against the scriptable loopback server: replies decide per recipient, connections fail per hop.</summary>
public sealed class SmtpDeliveryAgentTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("mailflow-deliver-").FullName;
    private SmtpConnectionPool _pool = null!;
    private SmtpDeliveryAgent _agent = null!;
    private SendProtocolLog SendLog { get; set; } = null!;
    private LoopbackSmtpServer _server = null!;

    public Task InitializeAsync()
    {
        _pool = new SmtpConnectionPool(_time);
        var options = Options.Create(new MailflowOptions { DataDirectory = _dataDirectory });
        SendLog = new SendProtocolLog(options, Options.Create(new Mailflow.Server.Transport.Receive.Directory.ProtocolLogOptions()), TimeProvider.System);
        _agent = new SmtpDeliveryAgent(_pool, SendLog, options, NullLogger<SmtpDeliveryAgent>.Instance);
        _server = LoopbackSmtpServer.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _pool.DisposeAsync();
        await _server.DisposeAsync();
        await SendLog.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    private DeliveryTarget Target => TestMessages.SmtpTarget((_server.Host, _server.Port));

    private Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(QueuedMessage message, byte[] content, DeliveryTarget? target = null) =>
        _agent.DeliverAsync(TestMessages.Batch(message, content, target ?? Target), CancellationToken.None);

    [Fact]
    public async Task Deliver_WhenRemoteAccepts_DeliversEveryRecipientWithTheStoredBytes()
    {
        var content = TestMessages.Plain();
        var message = TestMessages.Message(content, recipients: ["bob@remote.test", "carol@remote.test"]);

        var outcomes = await DeliverAsync(message, content);

        Assert.All(outcomes, o => Assert.Equal(RecipientOutcomeKind.Delivered, o.Kind));
        Assert.All(outcomes, o => Assert.Equal(250, o.Reply.Code));
        var received = Assert.Single(_server.Messages);
        Assert.Equal("alice@sender.test", received.Sender);
        Assert.Equal(["bob@remote.test", "carol@remote.test"], received.Recipients);
        Assert.Equal("node-a.mailflow.test", received.Helo);
        Assert.Equal(content, received.Data);
    }

    [Fact]
    public async Task Deliver_WhenTheStoreIsAwayWhileLoadingTheContent_LetsThatPassInsteadOfDeferringTheRecipients()
    {
        // A PostgreSQL restart or failover cut the content read: that is no delivery attempt, so the recipients
        // must not be deferred by the retry schedule (minutes) — the queue manager gives the message back instead.
        var content = TestMessages.Plain();
        var message = TestMessages.Message(content);
        var batch = TestMessages.Batch(message, content, Target) with
        {
            OpenContent = _ => StoreUnavailableException.WhenAwayAsync<Stream?>(() => Task.FromException<Stream?>(new System.Net.Sockets.SocketException())),
        };

        var away = await Assert.ThrowsAsync<StoreUnavailableException>(() => _agent.DeliverAsync(batch, CancellationToken.None));

        Assert.True(StoreFailure.Is(away));
        Assert.Empty(_server.Messages);
    }

    [Fact]
    public async Task Deliver_WhenRemoteRefusesOneOfTwoRecipients_FailsOnlyThatRecipient()
    {
        _server.Script.RcptReply = (address, _) => address.StartsWith("nobody", StringComparison.Ordinal) ? "550 5.1.1 No such user here" : null;
        var content = TestMessages.Plain();
        var message = TestMessages.Message(content, recipients: ["bob@remote.test", "nobody@remote.test"]);

        var outcomes = await DeliverAsync(message, content);

        Assert.Equal(RecipientOutcomeKind.Delivered, outcomes.Single(o => o.Recipient.Address == "bob@remote.test").Kind);
        var refused = outcomes.Single(o => o.Recipient.Address == "nobody@remote.test");
        Assert.Equal(RecipientOutcomeKind.Permanent, refused.Kind);
        Assert.Equal(550, refused.Reply.Code);
        Assert.Equal("5.1.1", refused.Reply.EnhancedCode);
        Assert.Equal("No such user here", refused.Reply.Text);
        Assert.Equal(["bob@remote.test"], Assert.Single(_server.Messages).Recipients);
    }

    [Fact]
    public async Task Deliver_WhenRemoteReturns451ThenAccepts_DefersFirstAndDeliversOnRetry()
    {
        _server.Script.RcptReply = (_, attempt) => attempt == 1 ? "451 4.3.0 Try again later" : null;
        var content = TestMessages.Plain();
        var message = TestMessages.Message(content);

        var first = Assert.Single(await DeliverAsync(message, content));
        var second = Assert.Single(await DeliverAsync(message, content));

        Assert.Equal(RecipientOutcomeKind.Transient, first.Kind);
        Assert.Equal("4.3.0", first.Reply.EnhancedCode);
        Assert.False(first.ConnectionFailure);
        Assert.Equal(RecipientOutcomeKind.Delivered, second.Kind);
        Assert.Single(_server.Messages);
    }

    [Fact]
    public async Task Deliver_WhenConnectionDropsAfterData_DefersTheWholeHopAsConnectionFailure()
    {
        _server.Script.DataReply = _ => null;
        var content = TestMessages.Plain();
        var message = TestMessages.Message(content, recipients: ["bob@remote.test", "carol@remote.test"]);

        var outcomes = await DeliverAsync(message, content);

        Assert.All(outcomes, o =>
        {
            Assert.Equal(RecipientOutcomeKind.Transient, o.Kind);
            Assert.True(o.ConnectionFailure);
            Assert.Equal("4.4.2", o.Reply.EnhancedCode);
        });
    }

    [Fact]
    public async Task Deliver_WhenDataIsRefusedWith554_FailsEveryAcceptedRecipient()
    {
        _server.Script.DataReply = _ => "554 5.7.1 Message refused by policy";
        var content = TestMessages.Plain();
        var message = TestMessages.Message(content, recipients: ["bob@remote.test", "carol@remote.test"]);

        var outcomes = await DeliverAsync(message, content);

        Assert.All(outcomes, o =>
        {
            Assert.Equal(RecipientOutcomeKind.Permanent, o.Kind);
            Assert.Equal("5.7.1", o.Reply.EnhancedCode);
        });
    }

    [Fact]
    public async Task Deliver_WhenTlsRequiredButNotOffered_DefersWithoutSendingAnything()
    {
        var content = TestMessages.Plain();
        var target = Target with { Smtp = Target.Smtp with { TlsPolicy = OutboundTlsPolicy.Required } };

        var outcome = Assert.Single(await DeliverAsync(TestMessages.Message(content), content, target));

        Assert.Equal(RecipientOutcomeKind.Transient, outcome.Kind);
        Assert.Equal("4.7.4", outcome.Reply.EnhancedCode);
        Assert.True(outcome.ConnectionFailure);
        Assert.Empty(_server.Messages);
    }

    [Theory]
    [InlineData(OutboundTlsPolicy.Opportunistic)]
    [InlineData(OutboundTlsPolicy.Required)]
    public async Task Deliver_WhenServerOffersStartTls_SendsOverTlsAcceptingASelfSignedCertificate(OutboundTlsPolicy policy)
    {
        _server.Script.OfferStartTls = true;
        var content = TestMessages.Plain();
        var target = Target with { Smtp = Target.Smtp with { TlsPolicy = policy } };

        var outcome = Assert.Single(await DeliverAsync(TestMessages.Message(content), content, target));

        Assert.Equal(RecipientOutcomeKind.Delivered, outcome.Kind);
        Assert.True(Assert.Single(_server.Messages).Tls);
    }

    [Fact]
    public async Task Deliver_WhenCertificateValidationRequiredAndCertificateUntrusted_Defers()
    {
        _server.Script.OfferStartTls = true;
        var content = TestMessages.Plain();
        var target = Target with { Smtp = Target.Smtp with { TlsPolicy = OutboundTlsPolicy.RequiredWithCertificateValidation, TlsCertificateDomain = "localhost" } };

        var outcome = Assert.Single(await DeliverAsync(TestMessages.Message(content), content, target));

        Assert.Equal(RecipientOutcomeKind.Transient, outcome.Kind);
        Assert.Equal("4.7.5", outcome.Reply.EnhancedCode);
        Assert.Empty(_server.Messages);
    }

    [Theory]
    [InlineData("localhost", RecipientOutcomeKind.Delivered)]
    [InlineData("mx.elsewhere.test", RecipientOutcomeKind.Transient)]
    public async Task Deliver_WhenCertificateValidationRequiredAndRootTrusted_ChecksTheName(string expectedName, RecipientOutcomeKind expected)
    {
        _server.Script.OfferStartTls = true;
        var content = TestMessages.Plain();
        var target = Target with
        {
            Smtp = Target.Smtp with
            {
                TlsPolicy = OutboundTlsPolicy.RequiredWithCertificateValidation,
                TlsCertificateDomain = expectedName,
                TrustedRoots = [X509CertificateLoader.LoadCertificate(LoopbackSmtpServer.Certificate.RawData)],
            },
        };

        var outcome = Assert.Single(await DeliverAsync(TestMessages.Message(content), content, target));

        Assert.Equal(expected, outcome.Kind);
    }

    [Fact]
    public async Task Deliver_WhenSmartHostRequiresAuth_AuthenticatesAfterStartTls()
    {
        _server.Script.OfferStartTls = true;
        _server.Script.Credentials = new NetworkCredential("relay-user", "s3cret-Pass");
        var content = TestMessages.Plain();
        // Credentials are only ever sent to a validated server (the smart host's certificate is trusted here).
        var target = Target with
        {
            Smtp = Target.Smtp with
            {
                Credentials = new NetworkCredential("relay-user", "s3cret-Pass"),
                TlsPolicy = OutboundTlsPolicy.RequiredWithCertificateValidation,
                TlsCertificateDomain = "localhost",
                TrustedRoots = [X509CertificateLoader.LoadCertificate(LoopbackSmtpServer.Certificate.RawData)],
            },
        };

        var outcome = Assert.Single(await DeliverAsync(TestMessages.Message(content), content, target));

        Assert.Equal(RecipientOutcomeKind.Delivered, outcome.Kind);
        var received = Assert.Single(_server.Messages);
        Assert.Equal("relay-user", received.AuthenticatedUser);
        Assert.True(received.Tls);
    }

    [Fact]
    public async Task Deliver_WithCredentialsButNoCertificateValidation_NeverSendsThePassword()
    {
        _server.Script.OfferStartTls = true;
        _server.Script.Credentials = new NetworkCredential("relay-user", "s3cret-Pass");
        var content = TestMessages.Plain();
        // A connector stored before the rule: encrypted, but the server's certificate is not checked.
        var target = Target with { Smtp = Target.Smtp with { Credentials = new NetworkCredential("relay-user", "s3cret-Pass"), TlsPolicy = OutboundTlsPolicy.Required } };

        var outcome = Assert.Single(await DeliverAsync(TestMessages.Message(content), content, target));

        Assert.Equal(RecipientOutcomeKind.Transient, outcome.Kind);
        Assert.Empty(_server.Messages);
        Assert.Equal(0, _server.AuthCommandCount);
    }

    [Fact]
    public async Task Deliver_WhenCredentialsAreWrong_DefersWithAuthenticationFailure()
    {
        _server.Script.OfferStartTls = true;
        _server.Script.Credentials = new NetworkCredential("relay-user", "s3cret-Pass");
        var content = TestMessages.Plain();
        var target = Target with { Smtp = Target.Smtp with { Credentials = new NetworkCredential("relay-user", "wrong") } };

        var outcome = Assert.Single(await DeliverAsync(TestMessages.Message(content), content, target));

        Assert.Equal(RecipientOutcomeKind.Transient, outcome.Kind);
        Assert.Equal("4.7.0", outcome.Reply.EnhancedCode);
        Assert.DoesNotContain("wrong", outcome.Reply.ToString(), StringComparison.Ordinal);
        Assert.Empty(_server.Messages);
    }

    [Fact]
    public async Task Deliver_WhenSeveralMessagesGoToOneHop_ReusesTheConnection()
    {
        var content = TestMessages.Plain();

        for (var i = 0; i < 3; i++)
            Assert.Equal(RecipientOutcomeKind.Delivered, Assert.Single(await DeliverAsync(TestMessages.Message(content), content)).Kind);

        Assert.Equal(3, _server.Messages.Count);
        Assert.Equal(1, _server.ConnectionCount);
        Assert.All(_server.Messages, m => Assert.Equal(1, m.Connection));
    }

    [Fact]
    public async Task Deliver_WhenMaxMessagesPerConnectionReached_OpensANewConnection()
    {
        var content = TestMessages.Plain();
        var target = Target with { Smtp = Target.Smtp with { MaxMessagesPerConnection = 2 } };

        for (var i = 0; i < 3; i++)
            await DeliverAsync(TestMessages.Message(content), content, target);

        Assert.Equal([1, 1, 2], _server.Messages.Select(m => m.Connection));
    }

    [Fact]
    public async Task Deliver_WhenPooledConnectionWasClosedByServer_ReconnectsAndDelivers()
    {
        var content = TestMessages.Plain();
        await DeliverAsync(TestMessages.Message(content), content);
        // The server drops the connection after the next MAIL FROM: the idle session turns out dead.
        _server.Script.BeforeReply = verb => verb == "MAIL" && _server.ConnectionCount == 1 ? throw new IOException("drop") : Task.CompletedTask;

        var outcome = Assert.Single(await DeliverAsync(TestMessages.Message(content), content));

        Assert.Equal(RecipientOutcomeKind.Delivered, outcome.Kind);
        Assert.Equal(2, _server.ConnectionCount);
    }

    [Fact]
    public async Task Deliver_WhenRemoteLacks8BitMime_DowngradesTo7BitWithTheSameText()
    {
        _server.Script.Offer8BitMime = false;
        var content = TestMessages.EightBit();
        var message = TestMessages.Message(content);
        message.BodyType = BodyType.EightBitMime;

        var outcome = Assert.Single(await DeliverAsync(message, content));

        Assert.Equal(RecipientOutcomeKind.Delivered, outcome.Kind);
        var received = Assert.Single(_server.Messages);
        Assert.All(received.Data, b => Assert.True(b < 128, "a byte above 127 reached a 7-bit server"));
        Assert.DoesNotContain("BODY=8BITMIME", received.MailFromLine, StringComparison.OrdinalIgnoreCase);
        var parsed = await MimeMessage.LoadAsync(new MemoryStream(received.Data));
        Assert.Equal("Grüße aus Köln — 10 € für Sie.\r\n", parsed.TextBody!.ReplaceLineEndings("\r\n"));
        Assert.NotEqual(ContentEncoding.EightBit, Assert.IsType<TextPart>(parsed.Body).ContentTransferEncoding);
    }

    [Fact]
    public async Task Deliver_WhenRemoteSupports8BitMime_SendsTheBytesUnchanged()
    {
        var content = TestMessages.EightBit();
        var message = TestMessages.Message(content);
        message.BodyType = BodyType.EightBitMime;

        await DeliverAsync(message, content);

        var received = Assert.Single(_server.Messages);
        Assert.Equal(content, received.Data);
        Assert.Contains("BODY=8BITMIME", received.MailFromLine, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public async Task Deliver_WhenMessageExceedsRemoteSize_FailsWith534WithoutSending()
    {
        _server.Script.MaxSize = 100;
        var content = TestMessages.Plain();

        var outcome = Assert.Single(await DeliverAsync(TestMessages.Message(content), content));

        Assert.Equal(RecipientOutcomeKind.Permanent, outcome.Kind);
        Assert.Equal("5.3.4", outcome.Reply.EnhancedCode);
        Assert.Empty(_server.Messages);
    }

    [Fact]
    public async Task Deliver_WhenFirstHostRefusesConnections_FailsOverToTheNextHost()
    {
        var deadPort = FreePort.Get();
        var content = TestMessages.Plain();
        var target = TestMessages.SmtpTarget(("127.0.0.1", deadPort), (_server.Host, _server.Port));

        var outcome = Assert.Single(await DeliverAsync(TestMessages.Message(content), content, target));

        Assert.Equal(RecipientOutcomeKind.Delivered, outcome.Kind);
        Assert.Single(_server.Messages);
    }

    [Fact]
    public async Task Deliver_WhenNoHostAnswers_DefersAsConnectionFailure()
    {
        var content = TestMessages.Plain();
        var target = TestMessages.SmtpTarget(("127.0.0.1", FreePort.Get()));

        var outcome = Assert.Single(await DeliverAsync(TestMessages.Message(content), content, target));

        Assert.Equal(RecipientOutcomeKind.Transient, outcome.Kind);
        Assert.True(outcome.ConnectionFailure);
        Assert.Equal("4.4.1", outcome.Reply.EnhancedCode);
    }

    [Fact]
    public async Task Deliver_WhenSenderIsNull_SendsMailFromEmptyPath()
    {
        var content = TestMessages.Plain();

        var outcome = Assert.Single(await DeliverAsync(TestMessages.Message(content, sender: ""), content));

        Assert.Equal(RecipientOutcomeKind.Delivered, outcome.Kind);
        Assert.StartsWith("MAIL FROM:<>", Assert.Single(_server.Messages).MailFromLine, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deliver_WhenRemoteSupportsDsn_PassesNotifyRetAndEnvid()
    {
        var content = TestMessages.Plain();
        var message = TestMessages.Message(content);
        message.DsnEnvelopeId = "env-42";
        message.DsnReturn = DsnReturn.Headers;
        message.Recipients[0].Notify = DsnNotify.Success | DsnNotify.Failure;

        var outcome = Assert.Single(await DeliverAsync(message, content));

        Assert.True(outcome.RemoteHandlesDsn);
        var received = Assert.Single(_server.Messages);
        Assert.Contains("RET=HDRS", received.MailFromLine, StringComparison.Ordinal);
        Assert.Contains("ENVID=env-42", received.MailFromLine, StringComparison.Ordinal);
        Assert.Contains("NOTIFY=SUCCESS,FAILURE", Assert.Single(received.RcptLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Deliver_WhenMessageExceedsConnectorLimit_FailsWithoutConnecting()
    {
        var content = TestMessages.Plain();
        var target = Target with { Smtp = Target.Smtp with { MaxMessageSizeBytes = 50 } };

        var outcome = Assert.Single(await DeliverAsync(TestMessages.Message(content), content, target));

        Assert.Equal(RecipientOutcomeKind.Permanent, outcome.Kind);
        Assert.Equal("5.3.4", outcome.Reply.EnhancedCode);
        Assert.Equal(0, _server.ConnectionCount);
    }
}
