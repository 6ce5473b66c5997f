namespace Mailflow.Configuration;

/// <summary>The transport agents section of a configuration document: agent settings, receive connectors named instead of ids.</summary>
internal sealed partial class ConfigurationPlanner
{
    private void PlanTransportAgents(List<TransportAgentSpec>? specs, List<TransportAgentSetting> current, List<ReceiveConnector> connectors)
    {
        const string section = "transportAgents";
        var idByName = connectors.GroupBy(c => c.Name, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.First().Id, StringComparer.OrdinalIgnoreCase);
        PlanSection(
            section, nameof(TransportAgentSetting.AgentName), specs, current,
            keyOf: s => CatalogName(s.AgentName),
            entityKey: a => a.AgentName,
            toEntity: (spec, _, path) =>
            {
                var setting = new TransportAgentSetting
                {
                    AgentName = CatalogName(spec.AgentName),
                    Enabled = spec.Enabled,
                    Priority = spec.Priority,
                    TimeoutMilliseconds = spec.TimeoutMilliseconds,
                    FailurePolicy = spec.FailurePolicy,
                    // As the service does: a new row starts at revision 1, so its ETag differs from the defaults' (0).
                    Revision = 1,
                };
                foreach (var name in spec.DisabledOnConnectors ?? [])
                {
                    if (idByName.TryGetValue(name.Trim(), out var id))
                        setting.DisabledOnConnectors.Add(id);
                    else
                        _errors.Add($"{path}.{nameof(TransportAgentSpec.DisabledOnConnectors)}", $"There is no receive connector named “{name}”.");
                }
                setting.DisabledOnConnectors = [.. setting.DisabledOnConnectors.Distinct()];
                return setting;
            },
            toSpec: a => ToSpec(a, connectors),
            validateFields: a => TransportAgentService.ValidateFields(a, agents));
    }

    /// <summary>The agent's name as the engine spells it (names are matched without regard to case).</summary>
    private string CatalogName(string? name)
    {
        var trimmed = (name ?? "").Trim();
        return agents?.FirstOrDefault(a => string.Equals(a.Name, trimmed, StringComparison.OrdinalIgnoreCase))?.Name ?? trimmed;
    }

    /// <summary>The spec a stored setting exports as: connectors by name (ids of removed connectors are left out, as the admin center does).</summary>
    internal static TransportAgentSpec ToSpec(TransportAgentSetting setting, IReadOnlyCollection<ReceiveConnector> connectors)
    {
        var nameById = connectors.ToDictionary(c => c.Id, c => c.Name);
        return new TransportAgentSpec
        {
            AgentName = setting.AgentName,
            Enabled = setting.Enabled,
            Priority = setting.Priority,
            TimeoutMilliseconds = setting.TimeoutMilliseconds,
            FailurePolicy = setting.FailurePolicy,
            DisabledOnConnectors = [.. setting.DisabledOnConnectors.Where(nameById.ContainsKey).Select(id => nameById[id]).Order(StringComparer.OrdinalIgnoreCase)],
        };
    }
}
