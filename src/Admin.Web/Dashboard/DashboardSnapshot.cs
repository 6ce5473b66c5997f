using Mailflow.Queue;

namespace Mailflow.Admin.Web.Dashboard;

/// <summary>Counts per minute for the last hour; index 0 is the oldest minute.</summary>
public sealed record MailFlowRates(DateTimeOffset FirstMinute, int[] Received, int[] Delivered, int[] Failed);

/// <summary>Receive→Deliver time of messages delivered in the last hour (null when none was).</summary>
public sealed record DeliveryLatency(int Messages, TimeSpan? P50, TimeSpan? P90, TimeSpan? P99);

public sealed record FailureReason(string Reply, int Count);

/// <param name="HeartbeatAge">How long ago the node last reported in; a node silent for more than a minute is unhealthy.</param>
public sealed record NodeHealth(string Name, string Address, TimeSpan HeartbeatAge, long ActiveGeneration, bool Healthy);

public sealed record DashboardSnapshot(
    DateTimeOffset At,
    MailFlowRates Rates,
    IReadOnlyList<NextHopQueueSummary> Queues,
    DeliveryLatency Latency,
    IReadOnlyList<FailureReason> TopFailures,
    IReadOnlyList<NodeHealth> Nodes);
