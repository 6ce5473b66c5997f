using Mailflow.Auditing;
using Mailflow.Cluster;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Shared.Tests.ReadModels;

/// <summary>The read models both faces (admin center and /api/v1) share, on a real SQLite file and a real PostgreSQL database.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SharedReadModelTests(PostgresFixture postgres) : IDisposable
{
    private static readonly DateTimeOffset Now = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);
    private readonly TestStores stores = new(postgres);

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task AuditLogQuery_FiltersSortsPagesAndStreams_OnBothStores(DatabaseProvider provider)
    {
        var factory = TestStores.CreateFactory(await stores.CreateMigratedAsync(provider));
        await using (var db = await factory.CreateDbContextAsync())
        {
            for (var i = 0; i < 5; i++)
                db.AuditEntries.Add(Entry(i % 2 == 0 ? "alice" : "apikey:ci", "AcceptedDomain", $"Contoso{i}.test", Now.AddMinutes(i)));
            db.AuditEntries.Add(Entry("bob", "SendConnector", "Outbound", Now.AddMinutes(10)));
            await db.SaveChangesAsync();
        }
        var query = new AuditLogQuery(factory);

        var page = await query.PageAsync(new AuditLogFilter(Text: "CONTOSO"), 1, 2, AuditLogSort.NewestFirst, CancellationToken.None);
        Assert.Equal(5, page.Total);
        Assert.Equal(["Contoso3.test", "Contoso2.test"], page.Items.Select(e => e.ObjectName));

        var byActor = await query.PageAsync(new AuditLogFilter(Actor: "alice", From: Now.AddMinutes(1), To: Now.AddMinutes(4)), 0, 50, AuditLogSort.OldestFirst, CancellationToken.None);
        Assert.Equal(["Contoso2.test"], byActor.Items.Select(e => e.ObjectName));

        var objects = await query.PageAsync(new AuditLogFilter(), 0, 50, AuditLogSort.Object, CancellationToken.None);
        Assert.Equal("SendConnector", objects.Items[^1].ObjectType);

        var streamed = new List<AuditEntry>();
        await foreach (var entry in query.StreamAsync(new AuditLogFilter(ObjectType: "AcceptedDomain"), CancellationToken.None))
            streamed.Add(entry);
        Assert.Equal(["Contoso4.test", "Contoso3.test", "Contoso2.test", "Contoso1.test", "Contoso0.test"], streamed.Select(e => e.ObjectName));

        Assert.Equal(["alice", "apikey:ci", "bob"], await query.ActorsAsync(CancellationToken.None));
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task NodeStatusQuery_ReadsEveryNodeWithTheLatestGenerationAndItsListenerFailures_OnBothStores(DatabaseProvider provider)
    {
        var factory = TestStores.CreateFactory(await stores.CreateMigratedAsync(provider));
        long latest;
        await using (var db = await factory.CreateDbContextAsync())
        {
            db.ConfigurationGenerations.Add(new ConfigurationGeneration { CreatedAt = Now, ChangedBy = "alice", Summary = "first" });
            db.ConfigurationGenerations.Add(new ConfigurationGeneration { CreatedAt = Now, ChangedBy = "alice", Summary = "second" });
            await db.SaveChangesAsync();
            latest = await db.ConfigurationGenerations.MaxAsync(g => g.Number);
            var failure = new ListenerBindFailure(Guid.NewGuid(), "Default", "0.0.0.0:25", "address in use");
            db.Nodes.Add(new NodeRegistration { Name = "node-b", Address = "b", StartedAt = Now, LastHeartbeat = Now, ActiveGeneration = latest - 1,
                ListenerFailures = ListenerBindFailure.Serialize([failure]) });
            db.Nodes.Add(new NodeRegistration { Name = "node-a", Address = "a", StartedAt = Now, LastHeartbeat = Now.AddHours(-1), ActiveGeneration = latest });
            await db.SaveChangesAsync();
        }

        var report = await new NodeStatusQuery(factory).ReadAsync(CancellationToken.None);

        Assert.Equal(latest, report.LatestGeneration);
        Assert.Equal(["node-a", "node-b"], report.Nodes.Select(n => n.Name));
        Assert.True(report.IsUpToDate(report.Nodes[0]));
        Assert.False(report.IsUpToDate(report.Nodes[1]));
        Assert.False(report.Nodes[0].IsLiveSince(Now.AddMinutes(-1)));
        Assert.True(report.Nodes[1].IsLiveSince(Now.AddMinutes(-1)));
        Assert.Equal("0.0.0.0:25", Assert.Single(report.Nodes[1].ListenerFailures).Binding);
        Assert.Empty(report.Nodes[0].ListenerFailures);
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task MessageTraceQuery_EventSearchAndTimeline_OnBothStores(DatabaseProvider provider)
    {
        var factory = TestStores.CreateFactory(await stores.CreateMigratedAsync(provider));
        await using (var db = await factory.CreateDbContextAsync())
        {
            // The RECEIVE event has no subject yet; the later event of the same message carries it.
            db.MessageTrackingEvents.Add(Event("Q1", MessageTrackingEventKind.Receive, Now, subject: null, messageId: "<one@contoso.test>"));
            db.MessageTrackingEvents.Add(Event("Q1", MessageTrackingEventKind.Deliver, Now.AddSeconds(5), subject: "Quarterly report", messageId: "<one@contoso.test>"));
            db.MessageTrackingEvents.Add(Event("Q2", MessageTrackingEventKind.Receive, Now.AddSeconds(1), subject: "Lunch", messageId: "<two@contoso.test>"));
            db.MessageTrackingEvents.Add(Event("Q3", MessageTrackingEventKind.Receive, Now.AddDays(-5), subject: "Quarterly report", messageId: "<old@contoso.test>"));
            await db.SaveChangesAsync();
        }
        var query = new MessageTraceQuery(factory);
        var window = new MessageTraceSearch { From = Now.AddHours(-1), To = Now.AddHours(1) };

        var bySubject = await query.SearchEventsAsync(window with { Subject = "quarterly" }, null, 0, 10, CancellationToken.None);
        Assert.Equal(2, bySubject.Total);
        Assert.Equal([MessageTrackingEventKind.Deliver, MessageTrackingEventKind.Receive], bySubject.Items.Select(e => e.Kind));

        var byMessageId = await query.SearchEventsAsync(window with { MessageOrQueueId = "two@contoso.test" }, null, 0, 10, CancellationToken.None);
        Assert.Equal("Q2", Assert.Single(byMessageId.Items).QueueId);

        var paged = await query.SearchEventsAsync(window, null, 1, 1, CancellationToken.None);
        Assert.Equal(3, paged.Total);
        Assert.Equal("Q2", Assert.Single(paged.Items).QueueId);

        var timeline = await query.TimelineAsync("Q1", CancellationToken.None);
        Assert.Equal([MessageTrackingEventKind.Receive, MessageTrackingEventKind.Deliver], timeline.Select(e => e.Kind));
        Assert.Empty(await query.TimelineAsync("missing", CancellationToken.None));
    }

    private static AuditEntry Entry(string actor, string type, string name, DateTimeOffset at) => new()
    {
        At = at, Actor = actor, Action = AuditAction.Create, ObjectType = type, ObjectId = name, ObjectName = name, Generation = 1,
    };

    private static MessageTrackingEvent Event(string queueId, MessageTrackingEventKind kind, DateTimeOffset time, string? subject, string messageId) => new()
    {
        Time = time, Node = "node-a", Kind = kind, QueueId = queueId, InternetMessageId = messageId, Sender = "alice@contoso.test",
        Recipients = "bob@fabrikam.test", RecipientCount = 1, Subject = subject,
    };

    public void Dispose() => stores.Dispose();
}
