using System.Data;
using System.Text.Json;
using System.Text.Json.Nodes;
using Mailflow.Auditing;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>
/// Configuration as code: export the organization's configuration as a <see cref="ConfigurationDocument"/>,
/// plan a document (validation + diff) and apply it — every change in one transaction, with one
/// audit entry (<see cref="AuditAction.Apply"/>) and one configuration generation, or nothing at
/// all when anything is invalid.
/// </summary>
public sealed class ConfigurationAsCodeService(
    IDbContextFactory<MailflowDbContext> dbFactory,
    ConfigurationChangeWriter writer,
    SmartHostPasswordProtector passwords,
    ITransportAgentCatalog? agents = null)
{
    public const string AuditObjectType = nameof(ConfigurationDocument);

    private static readonly JsonSerializerOptions AuditOptions = new(ConfigurationDocument.JsonOptions) { WriteIndented = false };

    /// <param name="includeRecipientPasswordHashes">Also export submission password hashes (Organization Management only). Smart-host passwords are never exported.</param>
    public async Task<ConfigurationDocument> ExportAsync(AdminActor actor, bool includeRecipientPasswordHashes = false, CancellationToken cancellationToken = default)
    {
        if (includeRecipientPasswordHashes)
            actor.DemandOrganizationManagement();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(IsolationLevel.RepeatableRead, cancellationToken);
        var state = await ConfigurationState.LoadAsync(db, tracking: false, cancellationToken);
        await transaction.CommitAsync(cancellationToken);

        return ToDocument(state, includeRecipientPasswordHashes);
    }

    /// <summary>The document for a loaded state; also used by <see cref="ConfigurationChangeWriter"/> for the per-generation snapshot.</summary>
    internal static ConfigurationDocument ToDocument(ConfigurationState state, bool includeRecipientPasswordHashes)
    {
        var addressById = state.Recipients.ToDictionary(r => r.Id, r => r.PrimaryAddress);
        return new ConfigurationDocument
        {
            OrganizationSettings = SpecJson.Copy<OrganizationSettingsSpec>(state.Settings ?? new OrganizationSettings()),
            AcceptedDomains = [.. state.Domains.Select(SpecJson.Copy<AcceptedDomainSpec>)],
            ReceiveConnectors = [.. state.ReceiveConnectors.Select(SpecJson.Copy<ReceiveConnectorSpec>)],
            SendConnectors = [.. state.SendConnectors.Select(SpecJson.Copy<SendConnectorSpec>)],
            Recipients = [.. state.Recipients.Select(r => ConfigurationPlanner.ToSpec(r, addressById, includeRecipientPasswordHashes))],
            Rules = [.. state.Rules.Select(r => ConfigurationPlanner.ToSpec(r, addressById))],
            Protection = SpecJson.Copy<ProtectionSettingsSpec>(state.Protection ?? new ProtectionSettings()),
            IpLists = [.. state.IpList.Select(SpecJson.Copy<IpListEntrySpec>)],
            AddressRewrites = [.. state.AddressRewrites.Select(SpecJson.Copy<AddressRewriteSpec>)],
            RemoteDomains = [.. state.RemoteDomains.Select(SpecJson.Copy<RemoteDomainSpec>)],
            TransportAgents = [.. state.AgentSettings.Select(a => ConfigurationPlanner.ToSpec(a, state.ReceiveConnectors))],
            DkimKeys = [.. state.DkimKeys.Select(ConfigurationPlanner.ToSpec)],
            Operations = SpecJson.Copy<OperationsSettingsSpec>(state.Operations ?? new OperationsSettings()),
            JournalRules = [.. state.JournalRules.Select(SpecJson.Copy<JournalRuleSpec>)],
        };
    }

    /// <summary>What applying the document would change, and why it would be refused. Changes nothing.</summary>
    public async Task<ConfigurationPlan> PlanAsync(ConfigurationDocument document, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        return await new ConfigurationPlanner(db, passwords, agents?.Agents).PlanAsync(document, cancellationToken);
    }

    /// <summary>Validates and applies the document in one transaction; with <paramref name="dryRun"/> only plans.</summary>
    /// <exception cref="ConfigurationValidationException">The document is invalid; nothing was changed. Errors are keyed by document path.</exception>
    /// <exception cref="ConfigurationConflictException">An object changed while the document was applied; nothing was changed.</exception>
    /// <param name="summary">The generation's summary line; by default it counts the changes.</param>
    public async Task<ConfigurationApplyResult> ApplyAsync(AdminActor actor, ConfigurationDocument document, bool dryRun = false, CancellationToken cancellationToken = default, string? summary = null)
    {
        actor.DemandOrganizationManagement();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var planner = new ConfigurationPlanner(db, passwords, agents?.Agents);
        var plan = await planner.PlanAsync(document, cancellationToken);
        if (!plan.IsValid)
            throw new ConfigurationValidationException(plan.Errors);
        if (dryRun || plan.Changes.Count == 0)
            return new ConfigurationApplyResult(plan, dryRun, Applied: false, Generation: null);

        summary ??= $"Configuration document applied: {plan.Creates} created, {plan.Updates} changed, {plan.Deletes} removed";
        var details = JsonSerializer.Serialize(planner.Staged.Select(s => new
        {
            s.Action,
            s.ObjectType,
            s.Name,
            Before = s.Before is null ? null : JsonNode.Parse(s.Before),
            After = s.After is null ? null : JsonNode.Parse(s.After),
        }), AuditOptions);
        var change = new AuditChange(AuditAction.Apply, AuditObjectType, "", summary, Before: null, After: details);
        var generation = await writer.CommitAsync(db, actor, summary, [change], cancellationToken);
        return new ConfigurationApplyResult(plan, dryRun, Applied: true, generation);
    }
}
