using Mailflow.Cluster;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Admin.Web.Dashboard;

/// <summary>
/// The dashboard's numbers from the tracking events of the last hour (the time index bounds every
/// query), the queue summaries and the node registrations. Only the columns needed are read.
/// </summary>
public sealed class DashboardQuery(IDbContextFactory<MailflowDbContext> dbFactory, IQueueOperations queues, TimeProvider time)
{
    public const int Minutes = 60;
    public const int TopFailureCount = 5;
    /// <summary>A node whose heartbeat is older than this is shown as unhealthy.</summary>
    public static readonly TimeSpan HeartbeatTolerance = TimeSpan.FromMinutes(1);

    private static readonly MessageTrackingEventKind[] Counted =
        [MessageTrackingEventKind.Receive, MessageTrackingEventKind.Deliver, MessageTrackingEventKind.Send, MessageTrackingEventKind.Fail];

    public async Task<DashboardSnapshot> LoadAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var firstMinute = new DateTimeOffset(now.UtcDateTime.Ticks - now.UtcDateTime.Ticks % TimeSpan.TicksPerMinute, TimeSpan.Zero).AddMinutes(-(Minutes - 1));
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);

        var events = await db.MessageTrackingEvents.AsNoTracking()
            .Where(e => e.Time >= firstMinute && Counted.Contains(e.Kind))
            .Select(e => new { e.Time, e.Kind, e.QueueId })
            .ToListAsync(cancellationToken);
        var rates = new MailFlowRates(firstMinute, new int[Minutes], new int[Minutes], new int[Minutes]);
        foreach (var e in events)
        {
            var minute = (int)((e.Time - firstMinute).Ticks / TimeSpan.TicksPerMinute);
            if (minute is < 0 or >= Minutes)
                continue;
            var series = e.Kind switch
            {
                MessageTrackingEventKind.Receive => rates.Received,
                MessageTrackingEventKind.Fail => rates.Failed,
                _ => rates.Delivered,
            };
            series[minute]++;
        }

        var delivered = events.Where(e => e.Kind is MessageTrackingEventKind.Deliver or MessageTrackingEventKind.Send && e.QueueId != null)
            .GroupBy(e => e.QueueId!).ToDictionary(g => g.Key, g => g.Max(e => e.Time));
        var deliveredIds = delivered.Keys.ToList();
        var received = deliveredIds.Count == 0 ? [] : await db.MessageTrackingEvents.AsNoTracking()
            .Where(e => e.Kind == MessageTrackingEventKind.Receive && e.QueueId != null && deliveredIds.Contains(e.QueueId))
            .Select(e => new { QueueId = e.QueueId!, e.Time })
            .ToListAsync(cancellationToken);
        var latencies = received.GroupBy(r => r.QueueId)
            .Select(g => delivered[g.Key] - g.Min(r => r.Time))
            .Where(l => l >= TimeSpan.Zero)
            .Order().ToList();

        var failures = await db.MessageTrackingEvents.AsNoTracking()
            .Where(e => e.Time >= firstMinute && (e.Kind == MessageTrackingEventKind.Fail || e.Kind == MessageTrackingEventKind.Defer))
            .Select(e => new FailureGrouping.Failure(e.ReplyCode, e.Reply, e.Detail, e.NextHop))
            .ToListAsync(cancellationToken);
        var topFailures = FailureGrouping.Top(failures, TopFailureCount);

        var nodes = (await new NodeStatusQuery(dbFactory).ReadAsync(cancellationToken)).Nodes
            .Select(n => new NodeHealth(n.Name, n.Address, now - n.LastHeartbeat, n.ActiveGeneration, n.IsLiveSince(now - HeartbeatTolerance), n.ListenerFailures,
                n.StartedAt, n.Restarts, n.DrainRequested, n.DrainPhase))
            .ToList();

        return new DashboardSnapshot(now, rates, await queues.ListQueuesAsync(cancellationToken),
            new DeliveryLatency(latencies.Count, Percentile(latencies, 0.50), Percentile(latencies, 0.90), Percentile(latencies, 0.99)),
            topFailures, nodes, await CountRefusalsAsync(db, firstMinute, cancellationToken), await FirstRunAsync(db, cancellationToken));
    }

    /// <summary>One count per kind over the time index: a spam wave may leave many thousands of refusals in an hour.</summary>
    private static async Task<SmtpRefusalCounts> CountRefusalsAsync(MailflowDbContext db, DateTimeOffset since, CancellationToken cancellationToken)
    {
        var counts = new Dictionary<SmtpRefusalKind, int>();
        foreach (var kind in Enum.GetValues<SmtpRefusalKind>())
            counts[kind] = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.Time >= since).Where(SmtpRefusal.Matches(kind)).CountAsync(cancellationToken);
        return new SmtpRefusalCounts(counts);
    }

    private static async Task<FirstRunChecklist> FirstRunAsync(MailflowDbContext db, CancellationToken cancellationToken)
    {
        // Any message handled (a refused stranger, with no queue id, does not count: the server may still be unconfigured).
        if (await db.MessageTrackingEvents.AnyAsync(e => e.QueueId != null, cancellationToken))
            return new FirstRunChecklist(true, true, true);
        const string placeholder = MailflowOptions.PlaceholderDomain;
        return new FirstRunChecklist(
            await db.AcceptedDomains.AnyAsync(d => d.DomainName != placeholder, cancellationToken),
            await db.Recipients.AnyAsync(cancellationToken) || await db.SendConnectors.AnyAsync(c => c.Enabled, cancellationToken),
            false);
    }

    /// <summary>Nearest-rank percentile of sorted values.</summary>
    public static TimeSpan? Percentile(IReadOnlyList<TimeSpan> sorted, double p) =>
        sorted.Count == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];
}
