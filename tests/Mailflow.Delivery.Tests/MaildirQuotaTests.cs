using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Deliver.Local;
using Mailflow.Smtp;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using MimeKit;

namespace Mailflow.Delivery.Tests;

/// <summary>
/// Mailbox quotas at delivery, on both stores and the fake clock: a message that does not fit is
/// deferred with 4.2.2 and retried per the retry policy — delivered once the mailbox has room, or
/// bounced with 5.2.2 when it expires — and the organization's default applies to a mailbox without
/// a quota of its own.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class MaildirQuotaTests(PostgresFixture postgres) : IAsyncLifetime
{
    private const long OneMegabyte = 1024 * 1024;
    private readonly TestStores _stores = new(postgres);
    private DeliveryNode? _node;

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_node is not null)
            await _node.DisposeAsync();
        _stores.Dispose();
    }

    private async Task<DeliveryNode> StartAsync(DatabaseProvider provider, long? quota, long organizationDefault = 0)
    {
        var node = _node = await DeliveryNode.StartAsync(await _stores.CreateMigratedAsync(provider));
        if (organizationDefault > 0)
            await node.UpdateOrganizationAsync(s => s.DefaultMailboxQuotaBytes = organizationDefault);
        await node.Get<RecipientService>().CreateAsync(AdminActor.System, new Recipient
        {
            Kind = RecipientKind.Mailbox, DisplayName = "Bob", PrimaryAddress = "bob@mailflow.test",
            DeliveryKind = MailboxDeliveryKind.Maildir, DeliveryTarget = "maildir/bob", QuotaBytes = quota,
        });
        await node.WaitForLatestGenerationAsync();
        return node;
    }

    /// <summary>Fills Bob's Maildir with one old message of <paramref name="bytes"/>, as a mail client would have left it in cur/.</summary>
    private static string Fill(DeliveryNode node, long bytes)
    {
        var maildir = Path.Combine(node.DataDirectory, "maildir", "bob");
        foreach (var folder in (string[])["tmp", "new", "cur"])
            Directory.CreateDirectory(Path.Combine(maildir, folder));
        var cur = Path.Combine(maildir, "cur");
        var file = Path.Combine(cur, "1700000000.M1P1.old:2,S");
        File.WriteAllBytes(file, new byte[bytes]);
        return file;
    }

    private static Task<string> EnqueueAsync(DeliveryNode node) =>
        node.EnqueueAsync(TestMessages.Plain(subject: "Minutes"), "alice@sender.test", [("bob@mailflow.test", DsnNotify.Unspecified, null)], _ => "local:maildir");

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task A_message_that_does_not_fit_is_deferred_with_4_2_2_and_bounced_with_5_2_2_when_it_expires(DatabaseProvider provider)
    {
        var node = await StartAsync(provider, quota: OneMegabyte);
        Fill(node, OneMegabyte - 100);
        var queueId = await EnqueueAsync(node);

        await node.StartManagerAsync();
        await node.WaitProcessedAsync(queueId);

        var deferred = Assert.Single((await node.FindAsync(queueId)).Recipients);
        Assert.Equal(QueuedRecipientStatus.TemporaryFailure, deferred.Status);
        Assert.Equal(452, deferred.LastReplyCode);
        Assert.StartsWith("4.2.2 Mailbox full", deferred.LastResponse, StringComparison.Ordinal);
        Assert.Empty(Directory.GetFiles(Path.Combine(node.DataDirectory, "maildir", "bob", "new")));
        var defer = (await node.TrackingEventsAsync(queueId)).Single(e => e.Kind == MessageTrackingEventKind.Defer);
        Assert.Contains("Mailbox full", defer.Reply, StringComparison.Ordinal);

        node.ResetProcessed(queueId);
        node.Time.Advance(TimeSpan.FromDays(2));
        await node.WaitProcessedAsync(queueId);

        var failed = Assert.Single((await node.FindAsync(queueId)).Recipients);
        Assert.Equal(QueuedRecipientStatus.PermanentFailure, failed.Status);
        var ndr = await node.LoadMimeAsync(Assert.Single(await node.ListDsnsAsync()));
        var fields = Assert.IsType<MessageDeliveryStatus>(Assert.IsType<MultipartReport>(ndr.Body)[1]).StatusGroups[1];
        Assert.Equal("failed", fields["Action"]);
        Assert.Equal("5.2.2", fields["Status"]);
        Assert.StartsWith("smtp; 552 5.2.2", fields["Diagnostic-Code"], StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task A_deferred_message_is_delivered_once_the_mailbox_has_room(DatabaseProvider provider)
    {
        // No quota of its own: the organization's default (1 MB) applies.
        var node = await StartAsync(provider, quota: null, organizationDefault: OneMegabyte);
        var old = Fill(node, OneMegabyte);
        var queueId = await EnqueueAsync(node);

        await node.StartManagerAsync();
        await node.WaitProcessedAsync(queueId);
        Assert.Equal(QueuedRecipientStatus.TemporaryFailure, Assert.Single((await node.FindAsync(queueId)).Recipients).Status);

        // The user deletes the old message; the next measurement (after MeasureInterval) sees the room.
        File.Delete(old);
        node.ResetProcessed(queueId);
        node.Time.Advance(TimeSpan.FromMinutes(10));
        await node.WaitProcessedAsync(queueId);

        Assert.Equal(QueuedRecipientStatus.Delivered, Assert.Single((await node.FindAsync(queueId)).Recipients).Status);
        var delivered = Assert.Single(Directory.GetFiles(Path.Combine(node.DataDirectory, "maildir", "bob", "new")));
        var usage = node.Get<IMailboxUsage>().Find(node.Get<TransportConfigProvider>().Current.FindRecipient("bob@mailflow.test")!)!;
        Assert.Equal(new FileInfo(delivered).Length, usage.UsedBytes);
        Assert.Equal(OneMegabyte, usage.LimitBytes);
        Assert.False(usage.IsFull);
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task A_mailbox_with_no_limit_takes_everything_whatever_the_default(DatabaseProvider provider)
    {
        var node = await StartAsync(provider, quota: 0, organizationDefault: OneMegabyte);
        Fill(node, 2 * OneMegabyte);
        var queueId = await EnqueueAsync(node);

        await node.StartManagerAsync();
        await node.WaitProcessedAsync(queueId);

        Assert.Equal(QueuedRecipientStatus.Delivered, Assert.Single((await node.FindAsync(queueId)).Recipients).Status);
        var usage = node.Get<MaildirUsage>().Find(node.Get<TransportConfigProvider>().Current.FindRecipient("bob@mailflow.test")!)!;
        Assert.Null(usage.LimitBytes);
        Assert.Null(usage.Percent);
    }
}
