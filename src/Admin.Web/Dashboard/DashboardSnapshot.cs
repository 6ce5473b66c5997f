using Mailflow.Queue;

namespace Mailflow.Admin.Web.Dashboard;

/// <summary>Counts per minute for the last hour; index 0 is the oldest minute.</summary>
public sealed record MailFlowRates(DateTimeOffset FirstMinute, int[] Received, int[] Delivered, int[] Failed);

/// <summary>Receive→Deliver time of messages delivered in the last hour (null when none was).</summary>
public sealed record DeliveryLatency(int Messages, TimeSpan? P50, TimeSpan? P90, TimeSpan? P99);

/// <summary>Failed or deferred deliveries with the same reply code, enhanced code and next hop.</summary>
/// <param name="Example">One of the group's replies in full (the texts differ by recipient).</param>
public sealed record FailureReason(int? ReplyCode, string? EnhancedCode, string? NextHop, string Example, int Count)
{
    /// <summary>"550 5.1.1", or "no reply" for failures that never got one (connection refused, no route).</summary>
    public string Codes => string.Join(' ', new[] { ReplyCode?.ToString(System.Globalization.CultureInfo.InvariantCulture), EnhancedCode }.Where(c => c is not null)) is { Length: > 0 } codes ? codes : "no reply";
}

/// <summary>What receive sessions refused during SMTP in the last hour, per kind (kinds without refusals are 0).</summary>
public sealed record SmtpRefusalCounts(IReadOnlyDictionary<Mailflow.Tracking.SmtpRefusalKind, int> PerKind)
{
    public int Total => PerKind.Values.Sum();
}

/// <summary>The steps a new installation goes through before mail flows; the dashboard shows them until mail has flowed.</summary>
/// <param name="HasOwnDomain">An accepted domain other than the placeholder created at the first start.</param>
/// <param name="HasDestination">A recipient (mailbox) or an enabled send connector: somewhere for mail to go.</param>
/// <param name="HasMailFlowed">Any message was ever handled (received, delivered or failed).</param>
public sealed record FirstRunChecklist(bool HasOwnDomain, bool HasDestination, bool HasMailFlowed)
{
    public bool Show => !HasMailFlowed;
}

/// <param name="HeartbeatAge">How long ago the node last reported in; a node silent for more than a minute is unhealthy.</param>
/// <param name="ListenerFailures">Receive connector bindings the node could not listen on.</param>
/// <param name="StartedAt">When the node's current process started; <paramref name="Restarts"/> counts the starts after its first.</param>
/// <param name="DrainRequested">An administrator asked it to drain; <paramref name="DrainPhase"/> is where the node says it is.</param>
public sealed record NodeHealth(string Name, string Address, TimeSpan HeartbeatAge, long ActiveGeneration, bool Healthy,
    IReadOnlyList<Mailflow.Cluster.ListenerBindFailure> ListenerFailures,
    DateTimeOffset StartedAt = default, int Restarts = 0, bool DrainRequested = false,
    Mailflow.Cluster.NodeDrainPhase DrainPhase = Mailflow.Cluster.NodeDrainPhase.Active);

public sealed record DashboardSnapshot(
    DateTimeOffset At,
    MailFlowRates Rates,
    IReadOnlyList<NextHopQueueSummary> Queues,
    DeliveryLatency Latency,
    IReadOnlyList<FailureReason> TopFailures,
    IReadOnlyList<NodeHealth> Nodes,
    SmtpRefusalCounts Refusals,
    FirstRunChecklist FirstRun);
