using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>
/// Transport agent settings (Exchange's Get-/Set-/Enable-/Disable-TransportAgent): on or off, per
/// receive connector, position, time limit and failure policy. Validates against the agents the engine
/// runs, saves with audit and a new configuration generation; "reset" returns an agent to its defaults.
/// </summary>
public sealed class TransportAgentService(IDbContextFactory<MailflowDbContext> dbFactory, ConfigurationChangeWriter writer, ITransportAgentCatalog catalog)
{
    public const int MinPriority = 0;
    public const int MaxPriority = 10_000;

    /// <summary>Every agent, in the order the pipeline runs them, with the settings in force.</summary>
    public async Task<IReadOnlyList<TransportAgentView>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var settings = await db.TransportAgentSettings.AsNoTracking().ToListAsync(cancellationToken);
        var connectors = await db.ReceiveConnectors.AsNoTracking().Select(c => new { c.Id, c.Name }).ToDictionaryAsync(c => c.Id, c => c.Name, cancellationToken);
        return [.. catalog.Agents
            .Select(agent => View(agent, settings.FirstOrDefault(s => string.Equals(s.AgentName, agent.Name, StringComparison.OrdinalIgnoreCase)), connectors))
            .OrderBy(v => v.Priority).ThenBy(v => v.Agent.Name, StringComparer.Ordinal)];
    }

    public async Task<TransportAgentView?> GetAsync(string name, CancellationToken cancellationToken = default) =>
        (await ListAsync(cancellationToken)).FirstOrDefault(v => string.Equals(v.Agent.Name, name, StringComparison.OrdinalIgnoreCase));

    private static TransportAgentView View(TransportAgentInfo agent, TransportAgentSetting? setting, IReadOnlyDictionary<Guid, string> connectors)
    {
        var disabledOn = setting?.DisabledOnConnectors ?? [];
        return new TransportAgentView(
            agent,
            !agent.CanBeDisabled || (setting?.Enabled ?? true),
            setting?.Priority ?? agent.DefaultPriority,
            setting?.TimeoutMilliseconds ?? agent.DefaultTimeoutMilliseconds,
            setting?.FailurePolicy ?? agent.DefaultFailurePolicy,
            disabledOn,
            [.. disabledOn.Where(connectors.ContainsKey).Select(id => connectors[id]).Order(StringComparer.OrdinalIgnoreCase)],
            setting is not null,
            setting?.Revision ?? 0);
    }

    /// <summary>Checks that need no store beyond the agent list: the admin center calls it as the admin types.</summary>
    public ValidationErrors ValidateFields(TransportAgentSetting setting) => ValidateFields(setting, catalog.Agents);

    /// <summary>
    /// The field checks against a list of agents (also for a configuration document). Without a list (no
    /// engine in this process) only the ranges are checked: the node that runs the agents checks the names.
    /// </summary>
    public static ValidationErrors ValidateFields(TransportAgentSetting setting, IReadOnlyList<TransportAgentInfo>? agents)
    {
        var errors = new ValidationErrors();
        if (agents is not null)
        {
            var agent = agents.FirstOrDefault(a => string.Equals(a.Name, setting.AgentName, StringComparison.OrdinalIgnoreCase));
            if (agent is null)
            {
                errors.Add(nameof(TransportAgentSetting.AgentName), $"There is no transport agent named “{setting.AgentName}”. The agents are: {string.Join(", ", agents.Select(a => a.Name))}.");
                return errors;
            }
            if (!agent.CanBeDisabled && (!setting.Enabled || setting.DisabledOnConnectors.Count > 0))
                errors.Add(nameof(TransportAgentSetting.Enabled), $"{agent.DisplayName} protects the server (no open relay, protocol limits) and cannot be turned off.");
        }
        else if (string.IsNullOrWhiteSpace(setting.AgentName))
            errors.Add(nameof(TransportAgentSetting.AgentName), "Name the transport agent.");
        if (setting.Priority is { } priority && priority is < MinPriority or > MaxPriority)
            errors.Add(nameof(TransportAgentSetting.Priority), $"The position must be between {MinPriority} and {MaxPriority} (lower runs first).");
        if (setting.TimeoutMilliseconds is { } timeout && timeout is < TransportAgentSetting.MinTimeoutMilliseconds or > TransportAgentSetting.MaxTimeoutMilliseconds)
            errors.Add(nameof(TransportAgentSetting.TimeoutMilliseconds),
                $"The time limit must be between {TransportAgentSetting.MinTimeoutMilliseconds} ms and {TransportAgentSetting.MaxTimeoutMilliseconds / 1000} s.");
        if (setting.FailurePolicy is { } policy && !Enum.IsDefined(policy))
            errors.Add(nameof(TransportAgentSetting.FailurePolicy), "Choose FailOpen (let mail through) or TempFail (ask the client to retry).");
        return errors;
    }

    /// <summary>Creates or replaces the settings of <paramref name="input"/>'s agent.</summary>
    /// <param name="input">Its <see cref="TransportAgentSetting.Revision"/> must be the revision that was read (0 when the agent had no settings).</param>
    public async Task<TransportAgentView> SaveAsync(AdminActor actor, TransportAgentSetting input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var errors = ValidateFields(input);
        var connectorIds = await db.ReceiveConnectors.Select(c => c.Id).ToListAsync(cancellationToken);
        var unknown = input.DisabledOnConnectors.Where(id => !connectorIds.Contains(id)).ToList();
        if (unknown.Count > 0)
            errors.Add(nameof(TransportAgentSetting.DisabledOnConnectors), "A receive connector in the list no longer exists.");
        errors.ThrowIfAny();
        var agent = catalog.Agents.First(a => string.Equals(a.Name, input.AgentName, StringComparison.OrdinalIgnoreCase));

        var stored = await db.TransportAgentSettings.FirstOrDefaultAsync(s => s.AgentName == agent.Name, cancellationToken);
        if ((stored?.Revision ?? 0) != input.Revision)
            throw new ConfigurationConflictException($"The settings of {agent.DisplayName} were changed by someone else; reload and try again.");
        var before = stored is null ? null : AuditJson.Serialize(stored);
        // A new row starts at revision 1, so its ETag differs from the "defaults" one (0).
        var setting = stored ?? new TransportAgentSetting { AgentName = agent.Name, Revision = 1 };
        if (stored is not null)
            ConfigurationChangeWriter.ExpectRevision(db, stored, input.Revision);
        setting.Enabled = input.Enabled;
        setting.Priority = input.Priority;
        setting.TimeoutMilliseconds = input.TimeoutMilliseconds;
        setting.FailurePolicy = input.FailurePolicy;
        setting.DisabledOnConnectors = [.. input.DisabledOnConnectors.Distinct()];
        if (stored is null)
            db.TransportAgentSettings.Add(setting);
        var change = before is null ? AuditChange.Created(setting) : AuditChange.Updated(before, setting);
        await writer.CommitAsync(db, actor, $"Transport agent '{agent.Name}' settings saved", [change], cancellationToken);
        return (await GetAsync(agent.Name, cancellationToken))!;
    }

    /// <summary>Forgets the admin's settings: the agent runs with its defaults again.</summary>
    public async Task ResetAsync(AdminActor actor, string name, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var stored = await db.TransportAgentSettings.FirstOrDefaultAsync(s => s.AgentName == name, cancellationToken)
            ?? throw new ConfigurationNotFoundException($"The transport agent “{name}” has no settings of its own; it already runs with its defaults.");
        db.TransportAgentSettings.Remove(stored);
        await writer.CommitAsync(db, actor, $"Transport agent '{stored.AgentName}' settings reset to defaults", [AuditChange.Deleted(stored)], cancellationToken);
    }
}
