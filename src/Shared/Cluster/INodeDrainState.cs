namespace Mailflow.Cluster;

/// <summary>Where a node is in draining (Exchange's maintenance mode).</summary>
public enum NodeDrainPhase
{
    /// <summary>Accepting SMTP sessions and claiming work.</summary>
    Active,
    /// <summary>Refusing new SMTP sessions and new work; finishing deliveries in flight and handing the rest over.</summary>
    Draining,
    /// <summary>Nothing in flight and no lease held: the node may be stopped without delaying any mail.</summary>
    Drained,
}

/// <summary>
/// This node's drain state, read by the receive listeners (new sessions get <c>421 4.3.2</c> unless
/// <see cref="NodeDrainPhase.Active"/>), the categorizer and queue manager (no new claims), and the
/// <c>drain</c> health check (a load balancer stops sending connections). Set by the node's drain
/// controller from the node registry, where an administrator asks for it from any node.
/// </summary>
public interface INodeDrainState
{
    NodeDrainPhase Phase { get; }

    /// <summary>Whether the node takes new SMTP sessions and claims new work.</summary>
    bool IsActive => Phase == NodeDrainPhase.Active;
}
