using Mailflow.Auditing;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using MimeKit;

namespace Mailflow.Delivery.Tests;

/// <summary>The admin center's queue operations against a running queue manager.</summary>
[Collection(PostgresCollection.Name)]
public sealed class QueueOperationsTests(PostgresFixture postgres) : IAsyncLifetime
{
    private static readonly AdminActor Admin = new("ops-admin", new HashSet<string> { Mailflow.Identity.AdminRoles.OrganizationManagement });

    private readonly TestStores _stores = new(postgres);
    private DeliveryNode _node = null!;
    private LoopbackSmtpServer _server = null!;
    private string _hop = "";

    private IQueueOperations Operations => _node.Get<IQueueOperations>();

    public async Task InitializeAsync()
    {
        _server = LoopbackSmtpServer.Start();
        _node = await DeliveryNode.StartAsync(await _stores.CreateMigratedAsync(DatabaseProvider.Sqlite));
        _hop = $"smarthost:{await _node.CreateSmartHostConnectorAsync("Loopback relay", _server.Host, _server.Port)}";
    }

    public async Task DisposeAsync()
    {
        await _node.DisposeAsync();
        await _server.DisposeAsync();
        _stores.Dispose();
    }

    [Fact]
    public async Task Suspend_KeepsTheMessageFromDelivery_UntilResumed()
    {
        var queueId = await _node.EnqueueAsync(TestMessages.Plain(), _hop, "bob@remote.test");
        Assert.Equal(1, await Operations.ApplyAsync(Admin, QueueAction.Suspend, [queueId]));

        await _node.StartManagerAsync();
        var other = await _node.EnqueueAsync(TestMessages.Plain(messageId: "<m2@sender.test>"), _hop, "carol@remote.test");
        await _node.WaitProcessedAsync(other);
        Assert.Equal(["carol@remote.test"], Assert.Single(_server.Messages).Recipients);
        Assert.Equal(QueuedMessageState.Suspended, (await _node.FindAsync(queueId)).State);

        Assert.Equal(1, await Operations.ApplyAsync(Admin, QueueAction.Resume, [queueId]));
        await _node.WaitProcessedAsync(queueId);

        Assert.Equal(2, (await _server.WaitForMessagesAsync(2)).Count);
        Assert.Equal(QueuedMessageState.Completed, (await _node.FindAsync(queueId)).State);
        await using var db = await _node.CreateDbContextAsync();
        var audit = await db.AuditEntries.Where(a => a.ObjectId == queueId).OrderBy(a => a.Id).ToListAsync();
        Assert.Equal([AuditAction.Suspend, AuditAction.Resume], audit.Select(a => a.Action));
        Assert.All(audit, a => Assert.Equal("ops-admin", a.Actor));
        var kinds = (await _node.TrackingEventsAsync(queueId)).Select(e => e.Kind).ToList();
        Assert.Equal([MessageTrackingEventKind.Suspend, MessageTrackingEventKind.Resume, MessageTrackingEventKind.Send], kinds);
    }

    [Fact]
    public async Task Remove_WithNdr_DeletesTheMessageAndQueuesAnNdr()
    {
        _server.Script.RcptReply = (_, _) => "451 4.4.1 Try later";
        var queueId = await _node.EnqueueAsync(TestMessages.Plain(subject: "Minutes"), _hop, "bob@remote.test");
        await _node.StartManagerAsync();
        await _node.WaitProcessedAsync(queueId);

        Assert.Equal(1, await Operations.ApplyAsync(Admin, QueueAction.RemoveWithNdr, [queueId]));

        Assert.Null(await _node.Queue.FindAsync(queueId, CancellationToken.None));
        var ndr = await _node.LoadMimeAsync(Assert.Single(await _node.ListDsnsAsync()));
        Assert.StartsWith("Undeliverable: Minutes", ndr.Subject, StringComparison.Ordinal);
        var fields = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(ndr.Body)[1]).StatusGroups[1];
        Assert.Equal("5.3.0", fields["Status"]);
        Assert.Contains("removed from the queue by an administrator", fields["Diagnostic-Code"], StringComparison.Ordinal);
        // The NDR goes to the sender, often outside: it must not name the admin (the audit log does).
        Assert.DoesNotContain("ops-admin", ndr.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Remove_WithoutNdr_DeletesSilently()
    {
        var queueId = await _node.EnqueueAsync(TestMessages.Plain(), _hop, "bob@remote.test");

        Assert.Equal(1, await Operations.ApplyAsync(Admin, QueueAction.RemoveSilently, [queueId]));

        Assert.Null(await _node.Queue.FindAsync(queueId, CancellationToken.None));
        Assert.Empty(await _node.ListDsnsAsync());
        Assert.Contains(MessageTrackingEventKind.Remove, (await _node.TrackingEventsAsync(queueId)).Select(e => e.Kind));
    }

    [Fact]
    public async Task Export_ReturnsExactlyTheStoredBytes()
    {
        var content = TestMessages.EightBit();
        var queueId = await _node.EnqueueAsync(content, _hop, "bob@remote.test");

        await using var exported = await Operations.ExportAsync(Admin, queueId);

        Assert.NotNull(exported);
        using var copy = new MemoryStream();
        await exported.CopyToAsync(copy);
        Assert.Equal(content, copy.ToArray());
    }

    [Fact]
    public async Task SuspendQueue_HoldsItsRecipients_AndResumeQueueDeliversThem()
    {
        await Operations.SuspendQueueAsync(Admin, _hop);
        var queueId = await _node.EnqueueAsync(TestMessages.Plain(), _hop, "bob@remote.test");
        await _node.StartManagerAsync();
        await _node.WaitProcessedAsync(queueId);

        Assert.Empty(_server.Messages);
        var queue = Assert.Single(await Operations.ListQueuesAsync());
        Assert.Equal(_hop, queue.NextHopKey);
        Assert.Equal(NextHopQueueStatus.Suspended, queue.Status);
        Assert.Equal(1, queue.MessageCount);
        Assert.Equal(0, Assert.Single((await _node.FindAsync(queueId)).Recipients).AttemptCount);

        _node.ResetProcessed(queueId);
        Assert.Equal(1, await Operations.ResumeQueueAsync(Admin, _hop));
        await _node.WaitProcessedAsync(queueId);

        Assert.Single(await _server.WaitForMessagesAsync(1));
        Assert.Empty(await Operations.ListQueuesAsync());
    }

    [Fact]
    public async Task ListQueues_ShowsRetryStatusNextRetryAndLastError()
    {
        _server.Script.RcptReply = (_, _) => "421 4.3.2 System not accepting network messages";
        var queueId = await _node.EnqueueAsync(TestMessages.Plain(), _hop, "bob@remote.test", "carol@remote.test");
        await _node.StartManagerAsync();
        await _node.WaitProcessedAsync(queueId);

        var queue = Assert.Single(await Operations.ListQueuesAsync());

        Assert.Equal(NextHopQueueStatus.Retry, queue.Status);
        Assert.Equal(2, queue.RecipientCount);
        Assert.Equal(_node.Time.GetUtcNow().AddSeconds(300), queue.NextRetryAt);
        Assert.Contains("4.3.2 System not accepting network messages", queue.LastError, StringComparison.Ordinal);

        _node.ResetProcessed(queueId);
        _server.Script.RcptReply = null;
        Assert.Equal(1, await Operations.ApplyAsync(Admin, QueueAction.RetryNow, [queueId]));
        await _node.WaitProcessedAsync(queueId);
        Assert.Single(await _server.WaitForMessagesAsync(1));
    }

    [Fact]
    public async Task Actions_WhenActorIsViewOnly_AreRefused()
    {
        var viewer = new AdminActor("viewer", new HashSet<string> { Mailflow.Identity.AdminRoles.ViewOnly });
        var queueId = await _node.EnqueueAsync(TestMessages.Plain(), _hop, "bob@remote.test");

        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => Operations.ApplyAsync(viewer, QueueAction.RemoveSilently, [queueId]));
        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => Operations.ExportAsync(viewer, queueId));
        Assert.NotNull(await _node.Queue.FindAsync(queueId, CancellationToken.None));
    }

    [Fact]
    public async Task ReleaseFromQuarantine_SendsTheMessageOnToDelivery()
    {
        var queueId = await _node.EnqueueAsync(TestMessages.Plain(), _hop, "bob@remote.test");
        await using (var db = await _node.CreateDbContextAsync())
            await db.QueuedMessages.Where(m => m.QueueId == queueId).ExecuteUpdateAsync(s => s.SetProperty(m => m.State, QueuedMessageState.Quarantined));
        await _node.StartManagerAsync();

        Assert.Equal(1, await Operations.ApplyAsync(Admin, QueueAction.Release, [queueId]));
        await _node.WaitProcessedAsync(queueId);

        Assert.Single(await _server.WaitForMessagesAsync(1));
        await _node.Tracker.FlushAsync();
        var details = await Operations.GetMessageAsync(queueId);
        Assert.NotNull(details);
        Assert.Equal([MessageTrackingEventKind.Release, MessageTrackingEventKind.Send], details.Events.Select(e => e.Kind));
    }
}
