using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport;
using Mailflow.Server.Transport.Queue;
using Mailflow.Smtp;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using MimeKit;

namespace Mailflow.Delivery.Tests;

/// <summary>
/// The queue manager end to end on a real store: messages enter through the store sink, are
/// categorized the way the categorizer will do it, and leave through the agents to the loopback
/// server or a Maildir — with retries, expiry, DSNs and tracking on the fake clock.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class QueueManagerTests(PostgresFixture postgres) : IAsyncLifetime
{
    private readonly TestStores _stores = new(postgres);
    private readonly List<IAsyncDisposable> _disposables = [];
    private LoopbackSmtpServer _server = null!;

    public Task InitializeAsync()
    {
        _server = LoopbackSmtpServer.Start();
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        foreach (var disposable in Enumerable.Reverse(_disposables))
            await disposable.DisposeAsync();
        await _server.DisposeAsync();
        _stores.Dispose();
    }

    private async Task<(DeliveryNode Node, string NextHop)> StartAsync(DatabaseProvider provider, string owner = "node-a")
    {
        var node = await DeliveryNode.StartAsync(await _stores.CreateMigratedAsync(provider), owner: owner);
        _disposables.Add(node);
        var connector = await node.CreateSmartHostConnectorAsync("Loopback relay", _server.Host, _server.Port);
        return (node, $"smarthost:{connector}");
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task Manager_WhenMessageIsCategorized_DeliversItAndEmptiesTheQueue(DatabaseProvider provider)
    {
        var (node, hop) = await StartAsync(provider);
        var content = TestMessages.Plain();
        var queueId = await node.EnqueueAsync(content, hop, "bob@remote.test", "carol@remote.test");

        await node.StartManagerAsync();
        await node.WaitProcessedAsync(queueId);

        var received = Assert.Single(await _server.WaitForMessagesAsync(1));
        Assert.Equal(content, received.Data);
        Assert.Equal(["bob@remote.test", "carol@remote.test"], received.Recipients);
        var message = await node.FindAsync(queueId);
        Assert.Equal(QueuedMessageState.Completed, message.State);
        Assert.Null(message.LeaseOwner);
        Assert.All(message.Recipients, r => Assert.Equal(QueuedRecipientStatus.Delivered, r.Status));
        Assert.All(message.Recipients, r => Assert.Equal(_server.Host, r.LastRemoteHost));
        Assert.Equal(0, (await node.Queue.ListMessagesAsync(new QueueMessageQuery { State = QueuedMessageState.Categorized }, CancellationToken.None)).TotalCount);

        var events = await node.TrackingEventsAsync(queueId);
        Assert.Equal(2, events.Count(e => e.Kind == MessageTrackingEventKind.Send));
        Assert.All(events.Where(e => e.Kind == MessageTrackingEventKind.Send), e =>
        {
            Assert.Equal(hop, e.NextHop);
            Assert.Equal("Loopback relay", e.Connector);
            Assert.Equal(250, e.ReplyCode);
            Assert.Equal("alice@sender.test", e.Sender);
            Assert.Equal("<m1@sender.test>", e.InternetMessageId);
            Assert.Equal("node-a", e.Node);
        });
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task Manager_WhenRemoteSays451ThenAccepts_RetriesAtTheScheduledTimeAndDelivers(DatabaseProvider provider)
    {
        var (node, hop) = await StartAsync(provider);
        _server.Script.RcptReply = (_, attempt) => attempt == 1 ? "451 4.7.1 Greylisted, come back later" : null;
        var queueId = await node.EnqueueAsync(TestMessages.Plain(), hop, "bob@remote.test");
        var queuedAt = node.Time.GetUtcNow();

        await node.StartManagerAsync();
        await node.WaitProcessedAsync(queueId);
        var deferred = Assert.Single((await node.FindAsync(queueId)).Recipients);
        Assert.Equal(QueuedRecipientStatus.TemporaryFailure, deferred.Status);
        Assert.Equal(1, deferred.AttemptCount);
        Assert.Equal(451, deferred.LastReplyCode);
        // Organization default: TransientRetryIntervalSeconds = 300.
        Assert.Equal(queuedAt.AddSeconds(300), deferred.NextRetryAt);
        Assert.Empty(_server.Messages);

        node.ResetProcessed(queueId);
        node.Time.Advance(TimeSpan.FromSeconds(300));
        await node.WaitProcessedAsync(queueId);

        Assert.Single(await _server.WaitForMessagesAsync(1));
        var message = await node.FindAsync(queueId);
        Assert.Equal(QueuedMessageState.Completed, message.State);
        Assert.Equal(2, message.Recipients[0].AttemptCount);
        var kinds = (await node.TrackingEventsAsync(queueId)).Select(e => e.Kind).ToList();
        Assert.Equal([MessageTrackingEventKind.Defer, MessageTrackingEventKind.Send], kinds);
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task Manager_WhenAnotherClaimerCrashed_ReclaimsAfterTheLeaseExpires(DatabaseProvider provider)
    {
        var (node, hop) = await StartAsync(provider, owner: "node-b");
        var queueId = await node.EnqueueAsync(TestMessages.Plain(), hop, "bob@remote.test");
        // A worker on another node claims the message and dies without releasing it.
        var crashed = Assert.Single(await node.Queue.ClaimAsync("node-a/crashed", 10, TimeSpan.FromSeconds(300), QueuedMessageState.Categorized));

        await node.StartManagerAsync();
        Assert.Equal("node-a/crashed", (await node.FindAsync(queueId)).LeaseOwner);
        node.Time.Advance(TimeSpan.FromSeconds(301));
        await node.WaitProcessedAsync(queueId);

        Assert.Single(await _server.WaitForMessagesAsync(1));
        Assert.Equal(QueuedMessageState.Completed, (await node.FindAsync(queueId)).State);
        // The crashed worker's fencing token no longer writes.
        Assert.False(await node.Queue.RecordPermanentFailureAsync(crashed.Lease, crashed.Message.Recipients[0].Id, new DeliveryResponse("late"), CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task Manager_WhenTwoWorkersDiedHoldingTheMessage_MovesItToPoisonInsteadOfDeliveringIt(DatabaseProvider provider)
    {
        var (node, hop) = await StartAsync(provider, owner: "node-b");
        var queueId = await node.EnqueueAsync(TestMessages.Plain(), hop, "bob@remote.test");
        // Two workers in turn claim the message and die without releasing it (a message that kills its worker).
        Assert.Single(await node.Queue.ClaimAsync("node-a/first", 10, TimeSpan.FromSeconds(300), QueuedMessageState.Categorized));
        node.Time.Advance(TimeSpan.FromSeconds(301));
        Assert.Single(await node.Queue.ClaimAsync("node-a/second", 10, TimeSpan.FromSeconds(300), QueuedMessageState.Categorized));
        Assert.Equal(1, (await node.FindAsync(queueId)).CrashCount);

        await node.StartManagerAsync();
        node.Time.Advance(TimeSpan.FromSeconds(301));
        for (var i = 0; i < 300 && (await node.FindAsync(queueId)).State != QueuedMessageState.Poison; i++)
            await Task.Delay(100);

        var message = await node.FindAsync(queueId);
        Assert.Equal(QueuedMessageState.Poison, message.State);
        Assert.Equal(2, message.CrashCount);
        Assert.Null(message.LeaseOwner);
        Assert.Empty(_server.Messages);
        var poison = Assert.Single(await node.TrackingEventsAsync(queueId), e => e.Kind == MessageTrackingEventKind.Poison);
        Assert.Contains("Poison queue", poison.Detail);

        // An administrator resumes it: the crash count starts again and it is delivered.
        Assert.Equal(1, await node.Get<IQueueOperations>().ApplyAsync(new Mailflow.Configuration.AdminActor("admin", new HashSet<string> { Mailflow.Identity.AdminRoles.OrganizationManagement }), QueueAction.Resume, [queueId]));
        await node.WaitProcessedAsync(queueId);
        Assert.Single(await _server.WaitForMessagesAsync(1));
        Assert.Equal(0, (await node.FindAsync(queueId)).CrashCount);
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task Manager_WhenMessageExpires_FailsWith447AndSendsAnNdrWithTheOriginalHeaders(DatabaseProvider provider)
    {
        var (node, hop) = await StartAsync(provider);
        _server.Script.RcptReply = (_, _) => "451 4.4.1 Mailbox server unavailable";
        var queueId = await node.EnqueueAsync(TestMessages.Plain(subject: "Budget 2026"), "alice@sender.test",
            [("bob@remote.test", DsnNotify.Unspecified, "rfc822;Bob@Remote.test")], _ => hop);

        await node.StartManagerAsync();
        await node.WaitProcessedAsync(queueId);
        node.ResetProcessed(queueId);
        node.Time.Advance(TimeSpan.FromDays(2));
        await node.WaitProcessedAsync(queueId);

        var recipient = Assert.Single((await node.FindAsync(queueId)).Recipients);
        Assert.Equal(QueuedRecipientStatus.PermanentFailure, recipient.Status);
        Assert.NotNull(recipient.FinalNotifiedAt);
        var dsn = Assert.Single(await node.ListDsnsAsync());
        Assert.Equal(QueuedMessageState.Submitted, dsn.State);
        Assert.Equal("alice@sender.test", Assert.Single(dsn.Recipients).Address);

        var ndr = await node.LoadMimeAsync(dsn);
        Assert.StartsWith("Undeliverable: Budget 2026", ndr.Subject, StringComparison.Ordinal);
        Assert.Equal("MAILER-DAEMON@mailflow.test", ndr.From.Mailboxes.Single().Address);
        Assert.Equal("auto-replied", ndr.Headers["Auto-Submitted"]);
        var report = Assert.IsType<MultipartReport>(ndr.Body);
        Assert.Equal("delivery-status", report.ReportType);
        var text = Assert.IsType<TextPart>(report[0]).Text;
        Assert.Contains("couldn't be delivered in the time we keep trying", text, StringComparison.Ordinal);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        Assert.Equal("dns; node-a.mailflow.test", status.StatusGroups[0]["Reporting-MTA"]);
        Assert.Equal("env-7", status.StatusGroups[0]["Original-Envelope-Id"]);
        var fields = status.StatusGroups[1];
        Assert.Equal("rfc822;bob@remote.test", fields["Final-Recipient"]);
        Assert.Equal("rfc822;Bob@Remote.test", fields["Original-Recipient"]);
        Assert.Equal("failed", fields["Action"]);
        Assert.Equal("4.4.7", fields["Status"]);
        Assert.StartsWith("smtp; 550 4.4.7", fields["Diagnostic-Code"], StringComparison.Ordinal);
        var original = Assert.IsType<TextRfc822Headers>(report[2]);
        Assert.Equal("Budget 2026", original.Message!.Subject);
        Assert.Equal("m1@sender.test", original.Message.MessageId);

        var kinds = (await node.TrackingEventsAsync(queueId)).Select(e => e.Kind).ToList();
        Assert.Contains(MessageTrackingEventKind.Expire, kinds);
        Assert.Contains(MessageTrackingEventKind.Dsn, kinds);
    }

    [Fact]
    public async Task Manager_WhenRemoteRefusesOneRecipient_SendsAnNdrForThatRecipientOnly()
    {
        var (node, hop) = await StartAsync(DatabaseProvider.Sqlite);
        _server.Script.RcptReply = (address, _) => address == "nobody@remote.test" ? "550 5.1.1 <nobody@remote.test>: Recipient address rejected" : null;
        var queueId = await node.EnqueueAsync(TestMessages.Plain(), hop, "bob@remote.test", "nobody@remote.test");

        await node.StartManagerAsync();
        await node.WaitProcessedAsync(queueId);

        var message = await node.FindAsync(queueId);
        Assert.Equal(QueuedMessageState.Completed, message.State);
        Assert.Equal(QueuedRecipientStatus.Delivered, message.Recipients.Single(r => r.Address == "bob@remote.test").Status);
        Assert.Equal(QueuedRecipientStatus.PermanentFailure, message.Recipients.Single(r => r.Address == "nobody@remote.test").Status);
        var ndr = await node.LoadMimeAsync(Assert.Single(await node.ListDsnsAsync()));
        var report = Assert.IsType<MultipartReport>(ndr.Body);
        var status = Assert.IsType<MessageDeliveryStatus>(report[1]);
        var fields = Assert.Single(status.StatusGroups.Skip(1), g => g.Count > 0);
        Assert.Equal("rfc822;nobody@remote.test", fields["Final-Recipient"]);
        Assert.Equal("5.1.1", fields["Status"]);
        Assert.Equal("dns; 127.0.0.1", fields["Remote-MTA"]);
        Assert.Equal("smtp; 550 5.1.1 <nobody@remote.test>: Recipient address rejected", fields["Diagnostic-Code"]);
        Assert.Contains("The address doesn't exist", Assert.IsType<TextPart>(report[0]).Text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Manager_WhenNotifyIsNeverOrSenderIsNull_SendsNoNdr()
    {
        var (node, hop) = await StartAsync(DatabaseProvider.Sqlite);
        _server.Script.RcptReply = (_, _) => "550 5.1.1 No such user";
        var never = await node.EnqueueAsync(TestMessages.Plain(), "alice@sender.test", [("x@remote.test", DsnNotify.Never, null)], _ => hop);
        var bounce = await node.EnqueueAsync(TestMessages.Plain(), "", [("y@remote.test", DsnNotify.Unspecified, null)], _ => hop);

        await node.StartManagerAsync();
        await node.WaitProcessedAsync(never);
        await node.WaitProcessedAsync(bounce);

        Assert.All(new[] { never, bounce }, id => Assert.Equal(QueuedRecipientStatus.PermanentFailure, node.FindAsync(id).Result.Recipients.Single().Status));
        Assert.Empty(await node.ListDsnsAsync());
        Assert.NotNull((await node.FindAsync(never)).Recipients.Single().FinalNotifiedAt);
    }

    [Fact]
    public async Task Manager_WhenDelayNotificationTimeoutPasses_SendsOneDelayDsn()
    {
        var (node, hop) = await StartAsync(DatabaseProvider.Sqlite);
        _server.Script.RcptReply = (_, _) => "452 4.2.2 Mailbox full";
        var queueId = await node.EnqueueAsync(TestMessages.Plain(), hop, "bob@remote.test");

        await node.StartManagerAsync();
        await node.WaitProcessedAsync(queueId);
        // Organization default: DelayNotificationTimeoutSeconds = 4 h; the retry is capped to land there.
        foreach (var _ in Enumerable.Range(0, 2))
        {
            node.ResetProcessed(queueId);
            node.Time.Advance(TimeSpan.FromHours(4));
            await node.WaitProcessedAsync(queueId);
        }

        var dsn = await node.LoadMimeAsync(Assert.Single(await node.ListDsnsAsync()));
        Assert.StartsWith("Delivery delayed:", dsn.Subject, StringComparison.Ordinal);
        var report = Assert.IsType<MultipartReport>(dsn.Body);
        var fields = Assert.IsType<MessageDeliveryStatus>(report[1]).StatusGroups[1];
        Assert.Equal("delayed", fields["Action"]);
        Assert.Equal("4.2.2", fields["Status"]);
        Assert.NotNull(fields["Will-Retry-Until"]);
        Assert.Contains("mailbox is full", Assert.IsType<TextPart>(report[0]).Text, StringComparison.Ordinal);
        Assert.NotNull(Assert.Single((await node.FindAsync(queueId)).Recipients).DelayNotifiedAt);
    }

    [Fact]
    public async Task Manager_WhenSuccessRequestedAndRemoteLacksDsn_SendsARelayedDsn()
    {
        var (node, hop) = await StartAsync(DatabaseProvider.Sqlite);
        _server.Script.OfferDsn = false;
        var queueId = await node.EnqueueAsync(TestMessages.Plain(), "alice@sender.test", [("bob@remote.test", DsnNotify.Success, null)], _ => hop);

        await node.StartManagerAsync();
        await node.WaitProcessedAsync(queueId);

        var dsn = await node.LoadMimeAsync(Assert.Single(await node.ListDsnsAsync()));
        var fields = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(dsn.Body)[1]).StatusGroups[1];
        Assert.Equal("relayed", fields["Action"]);
        Assert.Equal("2.0.0", fields["Status"]);
    }

    [Fact]
    public async Task Manager_WhenSuccessRequestedAndRemoteSupportsDsn_LeavesTheDsnToTheRemote()
    {
        var (node, hop) = await StartAsync(DatabaseProvider.Sqlite);
        var queueId = await node.EnqueueAsync(TestMessages.Plain(), "alice@sender.test", [("bob@remote.test", DsnNotify.Success, null)], _ => hop);

        await node.StartManagerAsync();
        await node.WaitProcessedAsync(queueId);

        Assert.Contains("NOTIFY=SUCCESS", Assert.Single(_server.Messages).RcptLines.Single(), StringComparison.Ordinal);
        Assert.Empty(await node.ListDsnsAsync());
    }

    [Fact]
    public async Task Manager_WhenRecipientIsALocalMaildirMailbox_WritesIntoNewWithTraceHeaders()
    {
        var (node, _) = await StartAsync(DatabaseProvider.Sqlite);
        await node.CreateMaildirMailboxAsync("bob@mailflow.test", "maildir/bob");
        var queueId = await node.EnqueueAsync(TestMessages.Plain(), "alice@sender.test",
            [("bob@mailflow.test", DsnNotify.Success, null), ("ghost@mailflow.test", DsnNotify.Unspecified, null)], _ => "local:maildir");

        await node.StartManagerAsync();
        await node.WaitProcessedAsync(queueId);

        var maildir = Path.Combine(node.DataDirectory, "maildir", "bob");
        Assert.True(Directory.Exists(Path.Combine(maildir, "cur")));
        Assert.Empty(Directory.GetFiles(Path.Combine(maildir, "tmp")));
        var file = Assert.Single(Directory.GetFiles(Path.Combine(maildir, "new")));
        var text = await File.ReadAllTextAsync(file);
        Assert.StartsWith("Return-Path: <alice@sender.test>\nDelivered-To: bob@mailflow.test\nReceived: from client.sender.test", text, StringComparison.Ordinal);
        Assert.DoesNotContain('\r', text);
        Assert.Contains("\n..leading dot line\n".Replace("..", "."), text, StringComparison.Ordinal);

        var message = await node.FindAsync(queueId);
        Assert.Equal(QueuedRecipientStatus.Delivered, message.Recipients.Single(r => r.Address == "bob@mailflow.test").Status);
        Assert.Equal(QueuedRecipientStatus.PermanentFailure, message.Recipients.Single(r => r.Address == "ghost@mailflow.test").Status);
        var dsns = await node.ListDsnsAsync();
        Assert.Equal(2, dsns.Count);
        var actions = new List<string>();
        foreach (var dsn in dsns)
            actions.Add(Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>((await node.LoadMimeAsync(dsn)).Body)[1]).StatusGroups[1]["Action"]!);
        Assert.Equal(["delivered", "failed"], actions.Order());
        Assert.Contains(MessageTrackingEventKind.Deliver, (await node.TrackingEventsAsync(queueId)).Select(e => e.Kind));
    }

    [Fact]
    public async Task Manager_WhenNextHopIsUnreachable_DefersUntilTheConfigurationChanges()
    {
        var (node, _) = await StartAsync(DatabaseProvider.Sqlite);
        var queueId = await node.EnqueueAsync(TestMessages.Plain(), "unreachable", "bob@nowhere.test");

        await node.StartManagerAsync();
        await node.WaitProcessedAsync(queueId);
        var recipient = Assert.Single((await node.FindAsync(queueId)).Recipients);
        Assert.Equal(QueuedRecipientStatus.TemporaryFailure, recipient.Status);
        Assert.Equal(451, recipient.LastReplyCode);
        Assert.Contains("No send connector", recipient.LastResponse, StringComparison.Ordinal);

        var rerouted = new TaskCompletionSource<int>(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Manager.Rerouted += count => rerouted.TrySetResult(count);
        await node.CreateSmartHostConnectorAsync("Second relay", _server.Host, _server.Port);

        Assert.Equal(1, await rerouted.Task.WaitAsync(TimeSpan.FromSeconds(20)));
        // Back to the categorizer, which routes it again under the new configuration.
        Assert.Equal(QueuedMessageState.Submitted, (await node.FindAsync(queueId)).State);
    }
}
