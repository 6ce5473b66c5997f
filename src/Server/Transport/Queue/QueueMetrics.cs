using System.Diagnostics;
using System.Diagnostics.Metrics;
using Mailflow.Server.Operations.Metrics;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// The queue's instruments (see <see cref="MailflowMeter"/>): the store's group commits, and per queue its
/// depth and the age of its oldest message. The queue gauges read <see cref="QueueDepthSampler"/>'s cached
/// sample, so a scrape never runs the queue query itself.
/// </summary>
public static class QueueMetrics
{
    private static QueueDepthSampler? _sampler;

    public static readonly Histogram<double> CommitDuration = MailflowMeter.Meter.CreateHistogram<double>(
        "mailflow.store.commit.duration", "s", "Time of one batched store transaction, by committer (GroupCommitter: acceptance; BookkeepingCommitter: claims and outcomes; MessageTracker: tracking events).",
        advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5] });

    public static readonly Histogram<long> BatchSize = MailflowMeter.Meter.CreateHistogram<long>(
        "mailflow.store.commit.batch_size", "{item}", "Items written by one batched store transaction, by committer.",
        advice: new InstrumentAdvice<long> { HistogramBucketBoundaries = [1, 2, 4, 8, 16, 32, 64, 128, 256] });

    static QueueMetrics()
    {
        MailflowMeter.Meter.CreateObservableGauge("mailflow.queue.messages", () => ObserveCount(q => q.Messages),
            "{message}", "Messages waiting per queue (queue = next hop's name: send connector, Local mailboxes, Unreachable, Submission, Poison); the whole store's queues, so every node sharing a store reports the same.");
        MailflowMeter.Meter.CreateObservableGauge("mailflow.queue.oldest_message_age", () => ObserveAge(),
            "s", "Age of the oldest message waiting per queue.");
    }

    /// <summary>Called once at start-up: the gauges read this node's sampler from now on.</summary>
    public static void Observe(QueueDepthSampler sampler) => _sampler = sampler;

    /// <summary>At shutdown: the gauges stop reading this node's sampler (its store is going away), unless another host took over.</summary>
    public static void Forget(QueueDepthSampler sampler) => Interlocked.CompareExchange(ref _sampler, null, sampler);

    /// <summary>Records one committed batch; the tag is the committer's constant name.</summary>
    public static void Committed(KeyValuePair<string, object?> committer, long startedTimestamp, int items)
    {
        CommitDuration.Record(Stopwatch.GetElapsedTime(startedTimestamp).TotalSeconds, committer);
        BatchSize.Record(items, committer);
    }

    private static IEnumerable<Measurement<long>> ObserveCount(Func<QueueDepthEntry, long> value)
    {
        var sample = _sampler?.Read();
        if (sample is null)
            yield break;
        foreach (var queue in sample.Queues)
            yield return new Measurement<long>(value(queue), queue.Tags);
    }

    private static IEnumerable<Measurement<double>> ObserveAge()
    {
        var sample = _sampler?.Read();
        if (sample is null)
            yield break;
        foreach (var queue in sample.Queues)
            if (queue.OldestQueuedAt is { } oldest)
                yield return new Measurement<double>(Math.Max(0, (sample.At - oldest).TotalSeconds), queue.Tags);
    }
}
