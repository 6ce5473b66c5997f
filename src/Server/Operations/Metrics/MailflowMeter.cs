using System.Diagnostics.Metrics;

namespace Mailflow.Server.Operations.Metrics;

/// <summary>
/// The one <see cref="Meter"/> of the node ("Mailflow"), exported at <c>/metrics</c> (see
/// <see cref="MetricsEndpoint"/>). Each stage declares its own instruments on it in one file
/// (<c>ReceiveMetrics</c>, <c>AgentMetrics</c>, <c>CategorizeMetrics</c>, <c>QueueMetrics</c>,
/// <c>DeliveryMetrics</c>, <c>NotifyMetrics</c>, <c>DnsMetrics</c>, <see cref="NodeMetrics"/>).
/// <para>Static, not from <c>IMeterFactory</c>: one node is one process, and the hot path (a reply, an
/// agent verdict) then costs one <c>Counter.Add</c> with a few string tags, with nothing to thread
/// through the session's constructor. Tags are low-cardinality by rule: connector, agent and rule names,
/// outcome words, reply classes; never a GUID, an address, a queue id or a destination domain.</para>
/// </summary>
public static class MailflowMeter
{
    public const string Name = "Mailflow";

    public static readonly Meter Meter = new(Name, Mailflow.Cluster.BuildInfo.Current.Version);
}
