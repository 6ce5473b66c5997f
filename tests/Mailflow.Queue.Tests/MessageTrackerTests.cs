using Mailflow.Server.Transport.Tracking;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mailflow.Queue.Tests;

/// <summary>
/// The message tracker writes through the one batch committer of the queue tables: every event tracked
/// (from many writers at once, and the admin's waiting kind) is stored, and an event the store refuses
/// is lost alone instead of taking its whole batch with it.
/// </summary>
[Collection(nameof(QueueTestPostgres))]
public sealed class MessageTrackerTests(QueueTestPostgres postgres)
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task EveryTrackedEvent_IsStored_AndARefusedEventIsLostAlone(bool onPostgres)
    {
        await using var store = onPostgres ? await TestStore.CreatePostgresAsync(await postgres.CreateDatabaseAsync()) : await TestStore.CreateSqliteAsync();
        var tracker = new MessageTracker(store.DbFactory, store.Gate, Options.Create(new MailflowOptions { NodeName = "node-t" }), store.Time,
            NullLogger<MessageTracker>.Instance);
        using var host = new CancellationTokenSource();
        await tracker.StartAsync(host.Token);

        var writers = Enumerable.Range(0, 4).Select(w => Task.Run(() =>
        {
            for (var i = 0; i < 150; i++)
                tracker.Track(Event($"Q{w}-{i}", detail: "ok"));
        })).ToList();
        // PostgreSQL refuses a NUL character in text; SQLite stores it. Either way the events around it are written.
        tracker.Track(Event("Q-bad", detail: "bad\0detail"));
        await tracker.TrackWaitingAsync(MessageTrackingEventKind.Suspend,
            new QueuedMessage { QueueId = "Q-admin", Sender = "alice@contoso.test", Recipients = [new QueuedRecipient { Address = "bob@fabrikam.test" }] },
            "by alice", CancellationToken.None);
        await Task.WhenAll(writers).WaitAsync(Guard);
        await tracker.FlushAsync().WaitAsync(Guard);

        await using var db = await store.CreateDbContextAsync();
        var stored = await db.MessageTrackingEvents.Select(e => new { e.QueueId, e.Node, e.Kind }).ToListAsync();
        Assert.Equal(600, stored.Count(e => e.QueueId!.StartsWith("Q") && e.QueueId != "Q-bad" && e.QueueId != "Q-admin"));
        Assert.Equal(600, stored.Where(e => e.QueueId!.Contains('-') && e.QueueId != "Q-bad" && e.QueueId != "Q-admin").Select(e => e.QueueId).Distinct().Count());
        Assert.Contains(stored, e => e.QueueId == "Q-admin" && e.Kind == MessageTrackingEventKind.Suspend && e.Node == "node-t");
        Assert.Equal(onPostgres ? 0 : 1, stored.Count(e => e.QueueId == "Q-bad"));
        Assert.Equal(0, tracker.DroppedCount);

        await tracker.StopAsync(CancellationToken.None);
        // After shutdown an event is dropped and counted, never thrown at the stage that reports it.
        tracker.Track(Event("Q-late", detail: "late"));
        Assert.Equal(1, tracker.DroppedCount);
    }

    private static MessageTrackingEvent Event(string queueId, string detail) => new()
    {
        Kind = MessageTrackingEventKind.Receive, QueueId = queueId, Sender = "alice@contoso.test", Recipients = "bob@fabrikam.test", RecipientCount = 1, Detail = detail,
    };
}
