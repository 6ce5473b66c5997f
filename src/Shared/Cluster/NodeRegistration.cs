namespace Mailflow.Cluster;

/// <summary>A Mailflow node sharing the store: it heartbeats and reports which configuration generation it runs.</summary>
public sealed class NodeRegistration
{
    public string Name { get; set; } = "";
    /// <summary>Where an admin reaches the node (its admin URL or host name).</summary>
    public string Address { get; set; } = "";
    public DateTimeOffset StartedAt { get; set; }
    public DateTimeOffset LastHeartbeat { get; set; }
    /// <summary>The configuration generation the node's engine has loaded.</summary>
    public long ActiveGeneration { get; set; }
    /// <summary>Receive connector bindings the node could not listen on, as JSON (<see cref="ListenerBindFailure.Serialize"/>); null when all listen.</summary>
    public string? ListenerFailures { get; set; }
}
