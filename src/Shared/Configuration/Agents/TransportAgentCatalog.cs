namespace Mailflow.Configuration;

/// <summary>What a transport agent is, as the admin center, the API and the CLI show it.</summary>
/// <param name="Events">The events it runs at, in words ("connect", "RCPT TO", "end of data"…).</param>
public sealed record TransportAgentInfo(
    string Name,
    string DisplayName,
    string Description,
    IReadOnlyList<string> Events,
    int DefaultPriority,
    bool CanBeDisabled,
    int DefaultTimeoutMilliseconds,
    AgentFailurePolicy DefaultFailurePolicy);

/// <summary>The transport agents this node runs (the engine knows them; the admin center and the settings service ask it).</summary>
public interface ITransportAgentCatalog
{
    IReadOnlyList<TransportAgentInfo> Agents { get; }
}

/// <summary>An agent with the settings in force: the admin's where set, else the agent's defaults.</summary>
public sealed record TransportAgentView(
    TransportAgentInfo Agent,
    bool Enabled,
    int Priority,
    int TimeoutMilliseconds,
    AgentFailurePolicy FailurePolicy,
    IReadOnlyList<Guid> DisabledOnConnectors,
    /// <summary>Receive connector names for <see cref="DisabledOnConnectors"/> (ids of removed connectors left out).</summary>
    IReadOnlyList<string> DisabledOnConnectorNames,
    bool HasSettings,
    int Revision);
