using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Deliver.Smtp;
using Mailflow.Smtp;
using Mailflow.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using Microsoft.Extensions.Time.Testing;

namespace Mailflow.Delivery.Tests;

/// <summary>
/// RFC 3461 parameters relayed faithfully: the exact MAIL FROM and RCPT TO lines a DSN-capable next
/// hop reads (the client's ORCPT, not one made from the current address; NOTIFY, RET and ENVID as
/// given, xtext-encoded), with and without PIPELINING, and none of them to a next hop without DSN.
/// </summary>
public sealed class SmtpDeliveryAgentDsnTests : IAsyncLifetime
{
    private readonly FakeTimeProvider _time = new(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
    private readonly string _dataDirectory = Directory.CreateTempSubdirectory("mailflow-deliver-dsn-").FullName;
    private SmtpConnectionPool _pool = null!;
    private SmtpDeliveryAgent _agent = null!;
    private SendProtocolLog _sendLog = null!;
    private LoopbackSmtpServer _server = null!;

    public Task InitializeAsync()
    {
        _pool = new SmtpConnectionPool(_time);
        var options = Options.Create(new MailflowOptions { DataDirectory = _dataDirectory });
        _sendLog = new SendProtocolLog(options, Options.Create(new Mailflow.Server.Transport.Receive.Directory.ProtocolLogOptions()), TimeProvider.System);
        _agent = new SmtpDeliveryAgent(_pool, _sendLog, options, NullLogger<SmtpDeliveryAgent>.Instance);
        _server = LoopbackSmtpServer.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _pool.DisposeAsync();
        await _server.DisposeAsync();
        await _sendLog.DisposeAsync();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    private Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(QueuedMessage message, byte[] content) =>
        _agent.DeliverAsync(TestMessages.Batch(message, content, TestMessages.SmtpTarget((_server.Host, _server.Port))), CancellationToken.None);

    private static QueuedMessage MessageWithDsnParameters(byte[] content)
    {
        var message = TestMessages.Message(content, "alice@sender.test", "bob@remote.test", "carol@remote.test", "dave@remote.test");
        message.DsnEnvelopeId = "Q 42+x=y";
        message.DsnReturn = DsnReturn.Headers;
        // Bob: the client's ORCPT, another address than the one we deliver to, with characters xtext must encode.
        message.Recipients[0].Notify = DsnNotify.Success | DsnNotify.Delay;
        message.Recipients[0].OriginalRecipient = "rfc822;Bob+Old=1@Legacy.example";
        // Carol: NEVER, and no ORCPT from the client: ours is her envelope address.
        message.Recipients[1].Notify = DsnNotify.Never;
        // Dave: no NOTIFY, but an ORCPT (of another address type, passed as it came).
        message.Recipients[2].OriginalRecipient = "x400;c=fr;o=legacy;s=dave";
        return message;
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_next_hop_with_DSN_reads_the_clients_parameters_exactly(bool pipelining)
    {
        _server.Script.OfferPipelining = pipelining;
        var content = TestMessages.Plain();

        var outcomes = await DeliverAsync(MessageWithDsnParameters(content), content);

        Assert.All(outcomes, o => Assert.Equal(RecipientOutcomeKind.Delivered, o.Kind));
        Assert.All(outcomes, o => Assert.True(o.RemoteHandlesDsn));
        var received = Assert.Single(_server.Messages);
        Assert.Equal($"MAIL FROM:<alice@sender.test> RET=HDRS ENVID=Q+2042+2Bx+3Dy", received.MailFromLine);
        Assert.Equal(
        [
            "RCPT TO:<bob@remote.test> NOTIFY=SUCCESS,DELAY ORCPT=rfc822;Bob+2BOld+3D1@Legacy.example",
            "RCPT TO:<carol@remote.test> NOTIFY=NEVER ORCPT=rfc822;carol@remote.test",
            "RCPT TO:<dave@remote.test> ORCPT=x400;c+3Dfr;o+3Dlegacy;s+3Ddave",
        ], received.RcptLines);
        Assert.Equal(content, received.Data);
    }

    [Fact]
    public async Task SIZE_BODY_and_SMTPUTF8_stay_on_MAIL_FROM_beside_the_DSN_parameters()
    {
        _server.Script.MaxSize = 10_000_000;
        var content = TestMessages.EightBit();
        var message = TestMessages.Message(content, "jürgen@sender.test", "bob@remote.test");
        message.BodyType = BodyType.EightBitMime;
        message.SmtpUtf8 = true;
        message.DsnEnvelopeId = "env-1";

        Assert.Equal(RecipientOutcomeKind.Delivered, Assert.Single(await DeliverAsync(message, content)).Kind);

        var received = Assert.Single(_server.Messages);
        Assert.Equal($"MAIL FROM:<jürgen@sender.test> SIZE={content.Length} BODY=8BITMIME SMTPUTF8 ENVID=env-1", received.MailFromLine);
        Assert.Equal(content, received.Data);
    }

    [Fact]
    public async Task An_8bit_message_to_a_next_hop_without_8BITMIME_is_re_encoded_and_still_carries_its_DSN_parameters()
    {
        _server.Script.Offer8BitMime = false;
        var content = TestMessages.EightBit();
        var message = TestMessages.Message(content);
        message.BodyType = BodyType.EightBitMime;
        message.Recipients[0].OriginalRecipient = "rfc822;robert@old.example";

        Assert.Equal(RecipientOutcomeKind.Delivered, Assert.Single(await DeliverAsync(message, content)).Kind);

        var received = Assert.Single(_server.Messages);
        Assert.Equal("MAIL FROM:<alice@sender.test>", received.MailFromLine);
        Assert.Equal("RCPT TO:<bob@remote.test> ORCPT=rfc822;robert@old.example", Assert.Single(received.RcptLines));
        Assert.All(received.Data, b => Assert.True(b < 0x80));
        Assert.Contains("Grüße aus Köln", MimeKit.MimeMessage.Load(new MemoryStream(received.Data)).TextBody, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_refused_recipient_fails_alone_and_the_others_are_sent()
    {
        _server.Script.OfferPipelining = true;
        _server.Script.RcptReply = (address, _) => address.StartsWith("carol", StringComparison.Ordinal) ? "550 5.1.1 No such user" : null;
        var content = TestMessages.Plain();

        var outcomes = await DeliverAsync(MessageWithDsnParameters(content), content);

        var carol = outcomes.Single(o => o.Recipient.Address == "carol@remote.test");
        Assert.Equal(RecipientOutcomeKind.Permanent, carol.Kind);
        Assert.Equal("5.1.1", carol.Reply.EnhancedCode);
        Assert.Equal(2, outcomes.Count(o => o.Kind == RecipientOutcomeKind.Delivered));
        Assert.Equal(["bob@remote.test", "dave@remote.test"], Assert.Single(_server.Messages).Recipients);
    }

    [Fact]
    public async Task A_refused_sender_fails_every_recipient_with_the_remotes_reply()
    {
        _server.Script.MailReply = _ => "553 5.7.1 Sender rejected";
        var content = TestMessages.Plain();

        var outcomes = await DeliverAsync(MessageWithDsnParameters(content), content);

        Assert.All(outcomes, o => Assert.Equal(RecipientOutcomeKind.Permanent, o.Kind));
        Assert.All(outcomes, o => Assert.Equal("5.7.1", o.Reply.EnhancedCode));
        Assert.Empty(_server.Messages);
    }

    [Fact]
    public async Task A_next_hop_without_DSN_gets_no_DSN_parameters()
    {
        _server.Script.OfferDsn = false;
        var content = TestMessages.Plain();

        var outcomes = await DeliverAsync(MessageWithDsnParameters(content), content);

        Assert.All(outcomes, o => Assert.False(o.RemoteHandlesDsn));
        var received = Assert.Single(_server.Messages);
        Assert.Equal("MAIL FROM:<alice@sender.test>", received.MailFromLine);
        Assert.Equal(["RCPT TO:<bob@remote.test>", "RCPT TO:<carol@remote.test>", "RCPT TO:<dave@remote.test>"], received.RcptLines);
    }

    [Fact]
    public async Task The_session_is_reused_after_our_own_transaction()
    {
        var content = TestMessages.Plain();

        await DeliverAsync(MessageWithDsnParameters(content), content);
        await DeliverAsync(MessageWithDsnParameters(content), content);

        Assert.Equal(2, (await _server.WaitForMessagesAsync(2)).Count);
        Assert.Equal(1, _server.ConnectionCount);
    }
}
