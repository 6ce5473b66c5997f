using Mailflow.Admin.Web.Dashboard;
using Mailflow.Cluster;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class DashboardQueryTests : MudBunitContext
{
    private static readonly DateTimeOffset Now = new(2026, 11, 24, 12, 30, 30, TimeSpan.Zero);

    protected override bool SeedDefaults => false;

    private static MessageTrackingEvent Event(string queueId, MessageTrackingEventKind kind, TimeSpan ago, int? code = null, string? reply = null) => new()
    {
        Time = Now - ago, Node = "node-a", Kind = kind, QueueId = queueId, Sender = "alice@contoso.test", Recipients = "bob@fabrikam.test",
        RecipientCount = 1, ReplyCode = code, Reply = reply,
    };

    [Fact]
    public async Task Load_WhenMessagesFlowed_CountsPerMinuteMeasuresLatencyRanksFailuresAndJudgesNodes()
    {
        var factory = Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>();
        await using (var db = await factory.CreateDbContextAsync())
        {
            db.MessageTrackingEvents.AddRange(
                Event("Q1", MessageTrackingEventKind.Receive, TimeSpan.FromMinutes(10)),
                Event("Q1", MessageTrackingEventKind.Send, TimeSpan.FromMinutes(10) - TimeSpan.FromSeconds(2), 250, "250 2.0.0 OK"),
                Event("Q2", MessageTrackingEventKind.Receive, TimeSpan.FromMinutes(5)),
                Event("Q2", MessageTrackingEventKind.Defer, TimeSpan.FromMinutes(4), 451, "451 4.3.0 busy"),
                Event("Q2", MessageTrackingEventKind.Deliver, TimeSpan.FromMinutes(1)),
                Event("Q3", MessageTrackingEventKind.Receive, TimeSpan.FromSeconds(20)),
                Event("Q3", MessageTrackingEventKind.Fail, TimeSpan.FromSeconds(10), 550, "550 5.1.1 unknown user"),
                Event("Q3", MessageTrackingEventKind.Defer, TimeSpan.FromSeconds(15), 451, "451 4.3.0 busy"),
                Event("Q0", MessageTrackingEventKind.Receive, TimeSpan.FromHours(2)));
            db.Nodes.AddRange(
                new NodeRegistration { Name = "node-a", Address = "10.0.0.1", StartedAt = Now.AddHours(-1), LastHeartbeat = Now.AddSeconds(-5), ActiveGeneration = 7 },
                new NodeRegistration { Name = "node-b", Address = "10.0.0.2", StartedAt = Now.AddHours(-1), LastHeartbeat = Now.AddMinutes(-10), ActiveGeneration = 6 });
            await db.SaveChangesAsync();
        }
        var queues = new RecordingQueueOperations();
        queues.Queues.Add(new NextHopQueueSummary("smtp:hop", 4, 4, NextHopQueueStatus.Retry, null, null));

        var snapshot = await new DashboardQuery(factory, queues, new FixedTime(Now)).LoadAsync(CancellationToken.None);

        Assert.Equal(3, snapshot.Rates.Received.Sum());
        Assert.Equal(2, snapshot.Rates.Delivered.Sum());
        Assert.Equal(1, snapshot.Rates.Failed.Sum());
        Assert.Equal(1, snapshot.Rates.Received[^1]); // Q3, in the current minute
        Assert.Equal(2, snapshot.Latency.Messages);
        Assert.Equal(TimeSpan.FromSeconds(2), snapshot.Latency.P50);
        Assert.Equal(TimeSpan.FromMinutes(4), snapshot.Latency.P99);
        Assert.Equal(new FailureReason(451, "4.3.0", null, "451 4.3.0 busy", 2), snapshot.TopFailures[0]);
        Assert.Equal(new FailureReason(550, "5.1.1", null, "550 5.1.1 unknown user", 1), snapshot.TopFailures[1]);
        Assert.Equal("smtp:hop", Assert.Single(snapshot.Queues).NextHopKey);
        Assert.Equal([true, false], snapshot.Nodes.Select(n => n.Healthy));
    }

    [Theory]
    [InlineData(0.5, 2)]
    [InlineData(0.9, 4)]
    [InlineData(0.99, 4)]
    public void Percentile_OfFourValues_IsTheNearestRank(double p, int expectedSeconds) =>
        Assert.Equal(TimeSpan.FromSeconds(expectedSeconds),
            DashboardQuery.Percentile([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2), TimeSpan.FromSeconds(3), TimeSpan.FromSeconds(4)], p));

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
