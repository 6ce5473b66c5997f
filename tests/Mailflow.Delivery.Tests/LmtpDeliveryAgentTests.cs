using Mailflow.Queue;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Deliver.Local;
using Mailflow.Smtp;
using Mailflow.TestSupport;
using Microsoft.Extensions.Logging.Abstractions;

namespace Mailflow.Delivery.Tests;

/// <summary>LMTP (RFC 2033) against the loopback server in LMTP mode: one reply per recipient after DATA.</summary>
public sealed class LmtpDeliveryAgentTests : IAsyncLifetime
{
    private readonly LmtpDeliveryAgent _agent = new(NullLogger<LmtpDeliveryAgent>.Instance);
    private LoopbackSmtpServer _server = null!;

    public Task InitializeAsync()
    {
        _server = LoopbackSmtpServer.Start(new LoopbackSmtpScript { Lmtp = true });
        return Task.CompletedTask;
    }

    public async Task DisposeAsync() => await _server.DisposeAsync();

    private DeliveryTarget Target(int? port = null) => new($"lmtp:127.0.0.1:{port ?? _server.Port}", DeliveryTargetKind.Lmtp)
    {
        Hosts = [new DeliveryHost("127.0.0.1", port ?? _server.Port)],
        Smtp = new SmtpDeliverySettings { HeloName = "node-a.mailflow.test", CommandTimeout = TimeSpan.FromSeconds(30) },
    };

    [Fact]
    public async Task Deliver_WhenServerAnswersPerRecipient_GivesEachRecipientItsOwnOutcome()
    {
        _server.Script.LmtpRecipientReply = address => address switch
        {
            "full@mailflow.test" => "452 4.2.2 Mailbox full",
            "gone@mailflow.test" => "550 5.1.1 No such mailbox",
            _ => null,
        };
        var content = TestMessages.Plain();
        var message = TestMessages.Message(content, recipients: ["bob@mailflow.test", "full@mailflow.test", "gone@mailflow.test"]);

        var outcomes = await _agent.DeliverAsync(TestMessages.Batch(message, content, Target()), CancellationToken.None);

        Assert.Equal([RecipientOutcomeKind.Delivered, RecipientOutcomeKind.Transient, RecipientOutcomeKind.Permanent], outcomes.Select(o => o.Kind));
        Assert.Equal("4.2.2", outcomes[1].Reply.EnhancedCode);
        Assert.Equal("5.1.1", outcomes[2].Reply.EnhancedCode);
        var received = Assert.Single(_server.Messages);
        Assert.Equal("node-a.mailflow.test", received.Helo);
        Assert.Equal(content, received.Data);
    }

    [Fact]
    public async Task Deliver_WhenRcptIsRefused_FailsThatRecipientAndDeliversTheOthers()
    {
        _server.Script.RcptReply = (address, _) => address == "gone@mailflow.test" ? "550 5.1.1 Unknown user" : null;
        var content = TestMessages.Plain();
        var message = TestMessages.Message(content, recipients: ["gone@mailflow.test", "bob@mailflow.test"]);

        var outcomes = await _agent.DeliverAsync(TestMessages.Batch(message, content, Target()), CancellationToken.None);

        Assert.Equal([RecipientOutcomeKind.Permanent, RecipientOutcomeKind.Delivered], outcomes.Select(o => o.Kind));
        Assert.Equal(["bob@mailflow.test"], Assert.Single(_server.Messages).Recipients);
    }

    [Fact]
    public async Task Deliver_WhenServerIsDown_DefersAsConnectionFailure()
    {
        var content = TestMessages.Plain();
        var message = TestMessages.Message(content, recipients: ["bob@mailflow.test"]);

        var outcome = Assert.Single(await _agent.DeliverAsync(TestMessages.Batch(message, content, Target(FreePort.Get())), CancellationToken.None));

        Assert.Equal(RecipientOutcomeKind.Transient, outcome.Kind);
        Assert.True(outcome.ConnectionFailure);
    }

    [Fact]
    public async Task Deliver_WhenBodyIsEightBit_DeclaresBody8BitMime()
    {
        var content = TestMessages.EightBit();
        var message = TestMessages.Message(content, recipients: ["bob@mailflow.test"]);
        message.BodyType = BodyType.EightBitMime;

        await _agent.DeliverAsync(TestMessages.Batch(message, content, Target()), CancellationToken.None);

        var received = Assert.Single(_server.Messages);
        Assert.Contains("BODY=8BITMIME", received.MailFromLine, StringComparison.Ordinal);
        Assert.Equal(content, received.Data);
    }
}
