using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Operations.Alerts;
using Mailflow.Server.Operations.Retention;
using Mailflow.Server.Transport.Receive.Directory;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Integration.Tests;

/// <summary>
/// The log retention cleaner in the real server, on both stores, with the admin-managed limits: tracking events and
/// cleared alerts older than their limit are deleted and recent ones kept, the tracking table is capped at its
/// event count (oldest first), and the node's protocol log files go by age and then by size, newest kept.
/// </summary>
public sealed class LogRetentionTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly TestStores stores = new(postgres);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Cleaner_RemovesWhatIsPastTheLimits_AndKeepsTheRecent(DatabaseProvider provider)
    {
        var store = await stores.CreateAsync(provider);
        // The test cleans when it wants to (the worker's first step runs at start, the next in ten hours).
        await using var host = MailflowHost.Start(store, new Dictionary<string, string?> { ["Mailflow:LogRetention:IntervalMinutes"] = "600" });
        var operations = host.Get<OperationsSettingsService>();
        var settings = await operations.GetAsync();
        Assert.Equal(30, settings.LogRetention.TrackingLogMaxAgeDays);
        settings.LogRetention = new LogRetentionSettings { ProtocolLogMaxAgeDays = 30, ProtocolLogMaxSizeMegabytes = 1, TrackingLogMaxAgeDays = 30, TrackingLogMaxEvents = 0, AlertHistoryMaxAgeDays = 90 };
        await operations.UpdateAsync(AdminActor.System, settings);
        await host.WaitForLatestGenerationAsync();

        var now = DateTimeOffset.UtcNow;
        await using (var db = TestStores.OpenContext(store))
        {
            for (var i = 0; i < 5; i++)
                db.MessageTrackingEvents.Add(Event(now.AddDays(-40 - i), $"old{i}"));
            for (var i = 0; i < 10; i++)
                db.MessageTrackingEvents.Add(Event(now.AddMinutes(-10 * (10 - i)), $"new{i}"));
            db.Alerts.Add(Cleared(now.AddDays(-100), "long ago"));
            db.Alerts.Add(Cleared(now.AddDays(-2), "this week"));
            await db.SaveChangesAsync();
        }
        var directory = FileProtocolLog.DirectoryOf(new MailflowOptions { DataDirectory = host.DataDirectory });
        Directory.CreateDirectory(directory);
        var stale = Write(directory, "RECV", now.AddDays(-40), 1000);
        var staleSend = Write(directory, "SEND", now.AddDays(-31), 1000);
        // Four recent hours of 400 KB each: 1.6 MB, over the 1 MB cap — the two oldest must go.
        var recent = Enumerable.Range(0, 4).Select(h => Write(directory, "RECV", now.AddHours(-4 + h), 400 * 1024)).ToList();

        var result = await host.Get<LogRetentionCleaner>().CleanOnceAsync(CancellationToken.None);

        Assert.Equal(5, result.TrackingEvents);
        Assert.Equal(1, result.Alerts);
        Assert.Equal(4, result.ProtocolLogFiles);
        Assert.False(File.Exists(stale));
        Assert.False(File.Exists(staleSend));
        Assert.Equal(recent.TakeLast(2), recent.Where(File.Exists));
        await using (var db = TestStores.OpenContext(store))
        {
            Assert.Equal(Enumerable.Range(0, 10).Select(i => $"new{i}"), await db.MessageTrackingEvents.OrderBy(e => e.Id).Select(e => e.Sender).ToListAsync());
            Assert.Equal("this week", Assert.Single(await db.Alerts.ToListAsync()).Subject);
        }

        // The count cap: the newest 4 stay.
        settings = await operations.GetAsync();
        settings.LogRetention.TrackingLogMaxEvents = 4;
        await operations.UpdateAsync(AdminActor.System, settings);
        await host.WaitForLatestGenerationAsync();
        result = await host.Get<LogRetentionCleaner>().CleanOnceAsync(CancellationToken.None);
        Assert.Equal(6, result.TrackingEvents);
        await using (var db = TestStores.OpenContext(store))
            Assert.Equal(["new6", "new7", "new8", "new9"], await db.MessageTrackingEvents.OrderBy(e => e.Id).Select(e => e.Sender).ToListAsync());

        // Nothing past a limit: nothing removed.
        result = await host.Get<LogRetentionCleaner>().CleanOnceAsync(CancellationToken.None);
        Assert.Equal(new LogRetentionResult(0, 0, 0), result);
    }

    private static MessageTrackingEvent Event(DateTimeOffset time, string sender) => new()
    {
        Time = time, Node = "node-it", Kind = MessageTrackingEventKind.Receive, QueueId = sender, Sender = sender, Recipients = "bob@contoso.test", RecipientCount = 1,
    };

    private static AlertRecord Cleared(DateTimeOffset at, string subject) => new()
    {
        Kind = AlertKind.QueueAge, Subject = subject, Severity = AlertSeverity.Warning, Text = "old", Details = "", RaisedAt = at.AddHours(-1), LastSeenAt = at, ClearedAt = at,
    };

    private static string Write(string directory, string prefix, DateTimeOffset hour, int bytes)
    {
        var path = Path.Combine(directory, FileProtocolLog.FileNameFor(hour, prefix));
        File.WriteAllBytes(path, new byte[bytes]);
        return path;
    }

    public void Dispose() => stores.Dispose();
}
