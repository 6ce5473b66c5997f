namespace Mailflow.Cluster;

/// <summary>A Mailflow node sharing the store: it heartbeats and reports which configuration generation it runs.</summary>
public sealed class NodeRegistration
{
    public string Name { get; set; } = "";
    /// <summary>Where an admin reaches the node (its admin URL or host name).</summary>
    public string Address { get; set; } = "";
    /// <summary>When the node's current process started (each start moves it; <see cref="FirstStartedAt"/> keeps the first).</summary>
    public DateTimeOffset StartedAt { get; set; }
    /// <summary>When the node first registered with this store.</summary>
    public DateTimeOffset FirstStartedAt { get; set; }
    /// <summary>How many times a process has started as this node (1 = never restarted).</summary>
    public int StartCount { get; set; }
    public DateTimeOffset LastHeartbeat { get; set; }
    /// <summary>The configuration generation the node's engine has loaded.</summary>
    public long ActiveGeneration { get; set; }
    /// <summary>Receive connector bindings the node could not listen on, as JSON (<see cref="ListenerBindFailure.Serialize"/>); null when all listen.</summary>
    public string? ListenerFailures { get; set; }
    /// <summary>An administrator asked this node to drain (maintenance mode); it stays drained, across restarts, until resumed.</summary>
    public bool DrainRequested { get; set; }
    /// <summary>Where the node is in draining, as the node itself last reported it.</summary>
    public NodeDrainPhase DrainPhase { get; set; }
}
