namespace Mailflow.Configuration;

/// <summary>How the transport agent pipeline treats an agent that failed or ran out of time.</summary>
public enum AgentFailurePolicy
{
    /// <summary>Go on as if the agent had no objection (and note the failure in the trace).</summary>
    FailOpen,
    /// <summary>Answer 451 4.7.1 so the client tries again later.</summary>
    TempFail,
}

/// <summary>
/// An admin's settings for one transport agent (Exchange's Enable-TransportAgent /
/// Set-TransportAgent -Priority): on or off for the organization, off on some receive connectors,
/// its position in the pipeline, its time limit and what a failure means. An agent without a row
/// runs with its built-in defaults. Agents are identified by their stable name (e.g. <c>Relay</c>).
/// </summary>
public sealed class TransportAgentSetting : IConfigurationObject
{
    public const int MinTimeoutMilliseconds = 100;
    public const int MaxTimeoutMilliseconds = 120_000;

    public Guid Id { get; set; } = Guid.NewGuid();
    public string AgentName { get; set; } = "";
    public bool Enabled { get; set; } = true;
    /// <summary>Position in the pipeline (lower first); null = the agent's default.</summary>
    public int? Priority { get; set; }
    /// <summary>Time limit per event; null = the agent's default.</summary>
    public int? TimeoutMilliseconds { get; set; }
    /// <summary>null = the agent's default.</summary>
    public AgentFailurePolicy? FailurePolicy { get; set; }
    /// <summary>Receive connectors on which the agent does not run.</summary>
    public List<Guid> DisabledOnConnectors { get; set; } = [];
    public int Revision { get; set; }

    public string DisplayName => AgentName;
}
