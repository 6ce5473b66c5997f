using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Transport.Queue;

/// <summary>One queue in a <see cref="QueueDepthSample"/>: every next hop of the same name (all MX domains of one send connector) counted together.</summary>
public sealed record QueueDepthEntry(string Queue, string Kind, long Messages, DateTimeOffset? OldestQueuedAt)
{
    public KeyValuePair<string, object?>[] Tags { get; } = [new("queue", Queue), new("kind", Kind)];
}

public sealed record QueueDepthSample(DateTimeOffset At, IReadOnlyList<QueueDepthEntry> Queues);

/// <summary>
/// The queue gauges' data: the admin center's queue list (<see cref="QueueQueries.ListQueuesAsync"/>, the one
/// definition of a queue) grouped by queue name, refreshed in the background when a reader finds it older than
/// <see cref="MaxAge"/>. A scrape reads the last sample and never waits for the store; the first scrape after a
/// quiet spell may see a sample up to <see cref="MaxAge"/> plus one query old.
/// </summary>
public sealed partial class QueueDepthSampler(
    IDbContextFactory<MailflowDbContext> contexts,
    TransportConfigProvider config,
    TimeProvider time,
    ILogger<QueueDepthSampler> logger)
{
    /// <summary>At most one queue query per this period, however often /metrics is scraped.</summary>
    public static readonly TimeSpan MaxAge = TimeSpan.FromSeconds(5);

    private QueueDepthSample? _latest;
    private int _refreshing;

    /// <summary>The last sample (null before the first one finished); starts a refresh when it is stale.</summary>
    public QueueDepthSample? Read()
    {
        var latest = Volatile.Read(ref _latest);
        if ((latest is null || time.GetUtcNow() - latest.At >= MaxAge) && Interlocked.CompareExchange(ref _refreshing, 1, 0) == 0)
            _ = Task.Run(RefreshAsync);
        return latest;
    }

    /// <summary>Takes a sample now (tests, and the background refresh).</summary>
    public async Task<QueueDepthSample> SampleAsync(CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        await using var db = await contexts.CreateDbContextAsync(cancellationToken);
        var queues = await QueueQueries.ListQueuesAsync(db, now, config.Current, cancellationToken);
        var entries = queues
            .GroupBy(q => (q.DisplayName, q.Kind))
            .Select(g => new QueueDepthEntry(g.Key.DisplayName, KindName(g.Key.Kind), g.Sum(q => (long)q.MessageCount), g.Min(q => q.OldestQueuedAt)))
            .ToList();
        var sample = new QueueDepthSample(now, entries);
        Volatile.Write(ref _latest, sample);
        return sample;
    }

    private async Task RefreshAsync()
    {
        try
        {
            await SampleAsync(CancellationToken.None);
        }
        catch (Exception ex)
        {
            Log.SampleFailed(logger, ex);
        }
        finally
        {
            Volatile.Write(ref _refreshing, 0);
        }
    }

    private static string KindName(NextHopQueueKind kind) => kind switch
    {
        NextHopQueueKind.Delivery => "delivery",
        NextHopQueueKind.Submission => "submission",
        NextHopQueueKind.Unreachable => "unreachable",
        NextHopQueueKind.Poison => "poison",
        _ => "other",
    };

    private static partial class Log
    {
        [LoggerMessage(4900, LogLevel.Warning, "The queue gauges could not be refreshed; /metrics shows the previous sample")]
        public static partial void SampleFailed(ILogger logger, Exception exception);
    }
}
