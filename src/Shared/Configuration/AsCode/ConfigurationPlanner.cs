using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>
/// Works out, on one context, what a <see cref="ConfigurationDocument"/> changes: validates every
/// object with its service's <c>ValidateFields</c>, checks what only the whole set can tell (one
/// default domain, listener clashes, addresses in accepted domains and used once, references that
/// resolve, postmaster), and stages the changes on the tracked entities. The caller saves the
/// context only when the plan is valid and it is not a dry run — otherwise the staged changes are
/// dropped with the context.
/// </summary>
internal sealed partial class ConfigurationPlanner(MailflowDbContext db, SmartHostPasswordProtector passwords, IReadOnlyList<TransportAgentInfo>? agents)
{
    /// <summary>One staged change, for the apply's single audit entry.</summary>
    public sealed record StagedChange(PlannedAction Action, string ObjectType, string Name, string? Before, string? After);

    private readonly ValidationErrors _errors = new();
    private readonly List<PlannedChange> _changes = [];
    private readonly List<StagedChange> _staged = [];

    public IReadOnlyList<StagedChange> Staged => _staged;

    public async Task<ConfigurationPlan> PlanAsync(ConfigurationDocument document, CancellationToken cancellationToken)
    {
        if (document.SchemaVersion != ConfigurationDocument.CurrentSchemaVersion)
        {
            _errors.Add(nameof(ConfigurationDocument.SchemaVersion),
                $"This Mailflow reads schema version {ConfigurationDocument.CurrentSchemaVersion}; the document has {document.SchemaVersion}. Export it again from a node of this version.");
            return Result();
        }

        var state = await ConfigurationState.LoadAsync(db, tracking: true, cancellationToken);
        PlanSettings(document.OrganizationSettings, state.Settings);
        var domains = PlanDomains(document.AcceptedDomains, state.Domains);
        var receive = PlanReceiveConnectors(document.ReceiveConnectors, state.ReceiveConnectors);
        var send = PlanSendConnectors(document.SendConnectors, state.SendConnectors);
        var recipients = PlanRecipients(document.Recipients, state.Recipients);
        var rules = PlanRules(document.Rules, state.Rules, recipients);
        PlanProtection(document.Protection, state.Protection);
        PlanIpLists(document.IpLists, state.IpList);
        PlanAddressRewrites(document.AddressRewrites, state.AddressRewrites);
        PlanRemoteDomains(document.RemoteDomains, state.RemoteDomains);
        PlanTransportAgents(document.TransportAgents, state.AgentSettings, receive);
        PlanDkimKeys(document.DkimKeys, state.DkimKeys);
        PlanOperations(document.Operations, state.Operations);
        PlanJournalRules(document.JournalRules, state.JournalRules);

        CheckDomains(document, domains);
        // Certificates stay out of the document (their keys are never exported); connectors may only name stored ones.
        var certificateIds = (await db.TlsCertificates.AsNoTracking().Select(c => c.Id).ToListAsync(cancellationToken)).ToHashSet();
        CheckReceiveConnectors(document, receive, certificateIds);
        CheckRecipients(document, recipients, domains);
        CheckRuleReferences(document, rules, send, recipients);
        return Result();
    }

    private ConfigurationPlan Result() => new(_errors.ToDictionary(), [.. _changes]);

    // ---- Organization settings -------------------------------------------------------------

    private void PlanSettings(OrganizationSettingsSpec? spec, OrganizationSettings? current)
    {
        if (spec is null)
            return;
        const string section = "organizationSettings";
        var desired = SpecJson.Copy<OrganizationSettings>(spec);
        desired.OrganizationName = desired.OrganizationName.Trim();
        desired.OAuthIssuer = desired.OAuthIssuer.Trim();
        desired.OAuthAudience = desired.OAuthAudience.Trim();
        desired.JournalingReportNdrTo = string.IsNullOrWhiteSpace(desired.JournalingReportNdrTo) ? "" : NormalizeAddress(desired.JournalingReportNdrTo);
        desired.ModerationReplyAddress = string.IsNullOrWhiteSpace(desired.ModerationReplyAddress) ? "" : NormalizeAddress(desired.ModerationReplyAddress);
        AddFieldErrors(section, OrganizationSettingsService.ValidateFields(desired));
        if (current is null)
        {
            db.OrganizationSettings.Add(desired);
            Record(PlannedAction.Create, desired, section, [], before: null);
            return;
        }
        var differences = SpecJson.Differences(SpecJson.Copy<OrganizationSettingsSpec>(current), SpecJson.Copy<OrganizationSettingsSpec>(desired));
        if (differences.Count == 0)
            return;
        var before = AuditJson.Serialize(current);
        desired.Key = current.Key;
        desired.Revision = current.Revision;
        db.Entry(current).CurrentValues.SetValues(desired);
        ConfigurationChangeWriter.ExpectRevision(db, current, current.Revision);
        Record(PlannedAction.Update, current, "Organization settings", differences, before);
    }

    // ---- Accepted domains ------------------------------------------------------------------

    private List<AcceptedDomain> PlanDomains(List<AcceptedDomainSpec>? specs, List<AcceptedDomain> current) =>
        PlanSection(
            "acceptedDomains", nameof(AcceptedDomain.DomainName), specs, current,
            keyOf: s => DomainNameRules.TryNormalize(s.DomainName, out var n, out _) ? n : s.DomainName.Trim().ToLowerInvariant(),
            entityKey: d => d.DomainName,
            toEntity: (spec, _, _) =>
            {
                var d = SpecJson.Copy<AcceptedDomain>(spec);
                if (DomainNameRules.TryNormalize(d.DomainName, out var normalized, out _))
                    d.DomainName = normalized;
                return d;
            },
            toSpec: d => SpecJson.Copy<AcceptedDomainSpec>(d),
            validateFields: AcceptedDomainService.ValidateFields);

    private void CheckDomains(ConfigurationDocument document, List<AcceptedDomain> domains)
    {
        if (document.AcceptedDomains is null)
            return;
        if (domains.Count == 0)
            _errors.Add("acceptedDomains", "Keep at least one accepted domain: Mailflow needs a default domain for postmaster and its own messages.");
        else if (domains.Count(d => d.IsDefault) != 1)
            _errors.Add("acceptedDomains", $"Mark exactly one accepted domain as the default (isDefault); the document marks {domains.Count(d => d.IsDefault)}.");
    }

    // ---- Receive connectors ----------------------------------------------------------------

    private List<ReceiveConnector> PlanReceiveConnectors(List<ReceiveConnectorSpec>? specs, List<ReceiveConnector> current) =>
        PlanSection(
            "receiveConnectors", nameof(ReceiveConnector.Name), specs, current,
            keyOf: s => s.Name.Trim(),
            entityKey: c => c.Name,
            toEntity: (spec, _, _) =>
            {
                var c = SpecJson.Copy<ReceiveConnector>(spec);
                c.Name = c.Name.Trim();
                if (!string.IsNullOrWhiteSpace(c.Fqdn) && DomainNameRules.TryNormalize(c.Fqdn, out var fqdn, out _))
                    c.Fqdn = fqdn;
                c.RemoteIpRanges = [.. c.RemoteIpRanges.Select(r => r.Trim()).Where(r => r.Length > 0)];
                return c;
            },
            toSpec: c => SpecJson.Copy<ReceiveConnectorSpec>(c),
            validateFields: ReceiveConnectorService.ValidateFields);

    private void CheckReceiveConnectors(ConfigurationDocument document, List<ReceiveConnector> connectors, HashSet<Guid> certificateIds)
    {
        if (document.ReceiveConnectors is null)
            return;
        for (var i = 0; i < connectors.Count; i++)
            if (connectors[i].CertificateId is { } id && !certificateIds.Contains(id))
                _errors.Add($"receiveConnectors[{i}].{nameof(ReceiveConnector.CertificateId)}", $"{connectors[i].Name}: {ReceiveConnectorService.CertificateMissing}");
        // The final list is in document order: check each connector against the ones after it, so a clash is reported once.
        for (var i = 0; i < connectors.Count; i++)
        {
            var errors = new ValidationErrors();
            ReceiveConnectorService.ValidateBindings(connectors[i], connectors.Skip(i + 1), errors);
            AddFieldErrors($"receiveConnectors[{i}]", errors);
        }
    }

    // ---- Send connectors -------------------------------------------------------------------

    private List<SendConnector> PlanSendConnectors(List<SendConnectorSpec>? specs, List<SendConnector> current) =>
        PlanSection(
            "sendConnectors", nameof(SendConnector.Name), specs, current,
            keyOf: s => s.Name.Trim(),
            entityKey: c => c.Name,
            toEntity: (spec, match, _) =>
            {
                var c = SpecJson.Copy<SendConnector>(spec);
                c.Name = c.Name.Trim();
                c.AddressSpaces = [.. c.AddressSpaces.Select(NormalizeAddressSpace)];
                c.SmartHosts = [.. c.SmartHosts.Select(h => h.Trim())];
                // The password is never in an export: a document without one keeps the stored password.
                c.SmartHostPasswordProtected = c.SmartHostAuthentication == SmartHostAuthentication.None
                    ? null
                    : !string.IsNullOrEmpty(spec.SmartHostPassword)
                        ? SamePassword(match, spec.SmartHostPassword) ? match!.SmartHostPasswordProtected : passwords.Protect(spec.SmartHostPassword)
                        : match?.SmartHostPasswordProtected;
                return c;
            },
            toSpec: c => SpecJson.Copy<SendConnectorSpec>(c),
            validateFields: SendConnectorService.ValidateFields,
            extraDifferences: (current, desired) =>
                current.SmartHostPasswordProtected != desired.SmartHostPasswordProtected ? ["SmartHostPassword"] : []);

    private static AddressSpace NormalizeAddressSpace(AddressSpace space) =>
        AddressSpaceRules.TryNormalize(space.Domain, out var domain, out _) ? space with { Domain = domain } : space;

    private bool SamePassword(SendConnector? stored, string password) =>
        stored?.SmartHostPasswordProtected is not null && passwords.Unprotect(stored) == password;

    // ---- Recipients ------------------------------------------------------------------------

    private List<Recipient> PlanRecipients(List<RecipientSpec>? specs, List<Recipient> current)
    {
        // Ids first: aliases and groups refer to recipients by address in the document, by id in the store.
        var idByAddress = current.ToDictionary(r => r.PrimaryAddress, r => r.Id, StringComparer.OrdinalIgnoreCase);
        foreach (var spec in specs ?? [])
            idByAddress.TryAdd(NormalizeAddress(spec.PrimaryAddress), Guid.NewGuid());
        var addressById = idByAddress.ToDictionary(p => p.Value, p => p.Key);

        return PlanSection(
            "recipients", nameof(Recipient.PrimaryAddress), specs, current,
            keyOf: s => NormalizeAddress(s.PrimaryAddress),
            entityKey: r => r.PrimaryAddress,
            toEntity: (spec, match, path) =>
            {
                var r = SpecJson.Copy<Recipient>(spec);
                r.Id = idByAddress[NormalizeAddress(spec.PrimaryAddress)];
                r.DisplayName = r.DisplayName.Trim();
                r.PrimaryAddress = NormalizeAddress(r.PrimaryAddress);
                r.ExtraAddresses = [.. r.ExtraAddresses.Select(NormalizeAddress).Distinct(StringComparer.OrdinalIgnoreCase).Where(a => !a.Equals(r.PrimaryAddress, StringComparison.OrdinalIgnoreCase))];
                r.DeliveryTarget = r.DeliveryTarget.Trim();
                if (r.Kind == RecipientKind.Mailbox && r.DeliveryTarget.Length == 0 && r.DeliveryKind == MailboxDeliveryKind.Maildir)
                    r.DeliveryTarget = Path.Combine("maildir", r.PrimaryAddress);
                if (r.Kind == RecipientKind.MailContact)
                    r.ExternalAddress = NormalizeAddress(r.ExternalAddress);
                r.SubmissionPasswordHash = spec.SubmissionPasswordHash ?? match?.SubmissionPasswordHash;
                if (match is not null && match.Kind != r.Kind)
                    _errors.Add($"{path}.{nameof(Recipient.Kind)}", $"{r.PrimaryAddress} is a {match.Kind} in the store and a recipient's kind cannot change: remove it with one document and add it back with the next.");

                r.ForwardToId = null;
                if (r.Kind == RecipientKind.Alias && !string.IsNullOrWhiteSpace(spec.ForwardTo))
                {
                    if (idByAddress.TryGetValue(NormalizeAddress(spec.ForwardTo), out var target))
                        r.ForwardToId = target;
                    else
                    {
                        r.ForwardToId = Guid.Empty;
                        _errors.Add($"{path}.ForwardTo", $"{spec.ForwardTo} is not a recipient: an alias must forward to a recipient in the document (or the store).");
                    }
                }
                r.MemberIds = [];
                if (r.Kind == RecipientKind.DistributionGroup)
                {
                    foreach (var member in spec.Members)
                    {
                        if (idByAddress.TryGetValue(NormalizeAddress(member), out var memberId))
                            r.MemberIds.Add(memberId);
                        else
                            _errors.Add($"{path}.Members", $"{member} is not a recipient: list members by their primary address.");
                    }
                    r.MemberIds = [.. r.MemberIds.Distinct()];
                }
                return r;
            },
            toSpec: r => ToSpec(r, addressById, includePasswordHash: false),
            validateFields: RecipientService.ValidateFields,
            extraDifferences: (current, desired) =>
                current.SubmissionPasswordHash != desired.SubmissionPasswordHash ? ["SubmissionPasswordHash"] : []);
    }

    internal static RecipientSpec ToSpec(Recipient r, IReadOnlyDictionary<Guid, string> addressById, bool includePasswordHash)
    {
        var spec = SpecJson.Copy<RecipientSpec>(r);
        spec.SubmissionPasswordHash = includePasswordHash ? r.SubmissionPasswordHash : null;
        spec.ForwardTo = r.ForwardToId is { } target ? (addressById.TryGetValue(target, out var address) ? address : target.ToString()) : null;
        spec.Members = [.. r.MemberIds.Select(m => addressById.TryGetValue(m, out var member) ? member : m.ToString())];
        return spec;
    }

    private void CheckRecipients(ConfigurationDocument document, List<Recipient> recipients, List<AcceptedDomain> domains)
    {
        if (document.Recipients is null && document.AcceptedDomains is null)
            return;
        string PathOf(Recipient r, string field)
        {
            var index = document.Recipients?.FindIndex(s => NormalizeAddress(s.PrimaryAddress).Equals(r.PrimaryAddress, StringComparison.OrdinalIgnoreCase)) ?? -1;
            return index >= 0 ? $"recipients[{index}].{field}" : "acceptedDomains";
        }

        var snapshot = new TransportConfig(0, default, domains, [], [], [], [], new OrganizationSettings());
        var owners = new Dictionary<string, Recipient>(StringComparer.OrdinalIgnoreCase);
        foreach (var r in recipients)
        {
            foreach (var address in r.AllAddresses)
            {
                var field = address == r.PrimaryAddress ? nameof(Recipient.PrimaryAddress) : nameof(Recipient.ExtraAddresses);
                if (!MailAddressRules.TryNormalize(address, out _, out _))
                    continue; // reported by ValidateFields
                var domain = MailAddressRules.DomainOf(address);
                if (snapshot.FindAcceptedDomain(domain) is null)
                    _errors.Add(PathOf(r, field), $"{address}: {domain} is not an accepted domain. Add it under acceptedDomains, or use an address in one.");
                if (owners.TryGetValue(address, out var owner) && owner != r)
                    _errors.Add(PathOf(r, field), $"{address} is already used by '{(owner.DisplayName.Length > 0 ? owner.DisplayName : owner.PrimaryAddress)}'.");
                else
                    owners[address] = r;
            }
        }

        // RFC 5321 §4.5.1: the default domain must take mail for postmaster.
        if (domains.FirstOrDefault(d => d.IsDefault) is { } defaultDomain
            && !owners.ContainsKey($"postmaster@{defaultDomain.DomainName}"))
            _errors.Add(document.Recipients is null ? "acceptedDomains" : "recipients",
                $"postmaster@{defaultDomain.DomainName} must exist (RFC 5321 §4.5.1): give a mailbox, alias or group that address.");
    }

    // ---- Rules -----------------------------------------------------------------------------

    private List<TransportRule> PlanRules(List<TransportRuleSpec>? specs, List<TransportRule> current, List<Recipient> recipients)
    {
        var groupIdByAddress = recipients.Where(r => r.Kind == RecipientKind.DistributionGroup)
            .ToDictionary(r => r.PrimaryAddress, r => r.Id, StringComparer.OrdinalIgnoreCase);
        var addressById = recipients.ToDictionary(r => r.Id, r => r.PrimaryAddress);
        var final = PlanSection(
            "rules", nameof(TransportRule.Name), specs, current,
            keyOf: s => s.Name.Trim(),
            entityKey: r => r.Name,
            toEntity: (spec, match, path) =>
            {
                var rule = SpecJson.Copy<TransportRule>(spec);
                rule.Name = rule.Name.Trim();
                rule.Priority = specs!.IndexOf(spec);
                rule.EnforceHits = match?.EnforceHits ?? 0;
                rule.TestHits = match?.TestHits ?? 0;
                rule.LastHitAt = match?.LastHitAt;
                MapGroups(rule.Definition, value =>
                {
                    if (groupIdByAddress.TryGetValue(NormalizeAddress(value), out var id))
                        return id.ToString();
                    _errors.Add($"{path}.Conditions", $"{value} is not a distribution group: name groups by their primary address.");
                    return Guid.Empty.ToString();
                });
                return rule;
            },
            toSpec: r => ToSpec(r, addressById),
            validateFields: TransportRuleService.ValidateFields,
            extraDifferences: (current, desired) => current.Priority != desired.Priority ? ["Priority"] : []);
        return [.. final.OrderBy(r => r.Priority)];
    }

    internal static TransportRuleSpec ToSpec(TransportRule rule, IReadOnlyDictionary<Guid, string> addressById)
    {
        var spec = SpecJson.Copy<TransportRuleSpec>(rule);
        MapGroups(spec.Definition, value => Guid.TryParse(value, out var id) && addressById.TryGetValue(id, out var address) ? address : value);
        return spec;
    }

    /// <summary>Rewrites the values of group predicates (ids in the store, addresses in documents).</summary>
    private static void MapGroups(RuleDefinition definition, Func<string, string> map)
    {
        foreach (var predicate in definition.Conditions.Concat(definition.Exceptions))
            if (RuleCatalog.FindPredicate(predicate.Kind)?.ValueKind == RuleValueKind.Groups)
                predicate.Values = [.. predicate.Values.Select(map)];
    }

    private void CheckRuleReferences(ConfigurationDocument document, List<TransportRule> rules, List<SendConnector> send, List<Recipient> recipients)
    {
        var connectorNames = send.Select(c => c.Name).ToHashSet(StringComparer.Ordinal);
        var groupIds = recipients.Where(r => r.Kind == RecipientKind.DistributionGroup).Select(r => r.Id.ToString()).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var rule in rules)
        {
            var index = document.Rules?.FindIndex(s => s.Name.Trim().Equals(rule.Name, StringComparison.OrdinalIgnoreCase)) ?? -1;
            foreach (var action in rule.Definition.Actions.Where(a => a.Kind == "RouteThroughConnector"))
            {
                var name = action.Arguments.GetValueOrDefault("Connector") ?? "";
                if (!connectorNames.Contains(name))
                    _errors.Add(index >= 0 ? $"rules[{index}].Actions" : "sendConnectors", $"Rule '{rule.Name}' routes through send connector '{name}', which the configuration does not have.");
            }
            // Groups named in the document were resolved while planning; here: stored rules whose groups the document removes.
            if (index >= 0)
                continue;
            foreach (var predicate in rule.Definition.Conditions.Concat(rule.Definition.Exceptions))
                if (RuleCatalog.FindPredicate(predicate.Kind)?.ValueKind == RuleValueKind.Groups && predicate.Values.Any(v => !groupIds.Contains(v)))
                    _errors.Add("recipients", $"Rule '{rule.Name}' refers to a distribution group the document removes.");
        }
    }

    // ---- The common part -------------------------------------------------------------------

    /// <summary>
    /// Plans one section: a missing section keeps <paramref name="current"/>; otherwise each spec is
    /// created or updated (matched by key, case-insensitively) and every stored object the section
    /// does not list is removed. Returns the objects the configuration will have, in document order.
    /// </summary>
    /// <param name="toEntity">The desired entity from a spec (normalized as the service would), given the stored match and the spec's document path.</param>
    /// <param name="toSpec">The spec an entity exports as: what the diff compares.</param>
    /// <param name="extraDifferences">Differences the spec does not show (secrets, order).</param>
    private List<T> PlanSection<TSpec, T>(
        string section,
        string keyField,
        List<TSpec>? specs,
        List<T> current,
        Func<TSpec, string> keyOf,
        Func<T, string> entityKey,
        Func<TSpec, T?, string, T> toEntity,
        Func<T, TSpec> toSpec,
        Func<T, ValidationErrors> validateFields,
        Func<T, T, IReadOnlyList<string>>? extraDifferences = null)
        where T : class, IConfigurationObject
        where TSpec : class
    {
        if (specs is null)
            return current;
        var final = new List<T>();
        var byKey = current.ToDictionary(entityKey, StringComparer.OrdinalIgnoreCase);
        var seen = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        for (var i = 0; i < specs.Count; i++)
        {
            var spec = specs[i];
            var path = $"{section}[{i}]";
            if (spec is null)
            {
                _errors.Add(path, "An entry is empty.");
                continue;
            }
            var key = keyOf(spec);
            if (!seen.Add(key))
            {
                _errors.Add($"{path}.{keyField}", $"{key} is listed twice.");
                continue;
            }
            var match = byKey.GetValueOrDefault(key);
            var desired = toEntity(spec, match, path);
            AddFieldErrors(path, validateFields(desired));
            if (match is null)
            {
                db.Set<T>().Add(desired);
                Record(PlannedAction.Create, desired, key, [], before: null);
                final.Add(desired);
                continue;
            }

            var differences = SpecJson.Differences(toSpec(match), toSpec(desired)).ToList();
            differences.AddRange(extraDifferences?.Invoke(match, desired) ?? []);
            if (differences.Count > 0)
            {
                var before = AuditJson.Serialize(match);
                SetId(desired, match.Id);
                desired.Revision = match.Revision;
                db.Entry(match).CurrentValues.SetValues(desired);
                ConfigurationChangeWriter.ExpectRevision(db, match, match.Revision);
                Record(PlannedAction.Update, match, key, differences, before);
            }
            final.Add(match);
        }
        foreach (var stored in current.Where(c => !seen.Contains(entityKey(c))))
        {
            db.Set<T>().Remove(stored);
            _changes.Add(new PlannedChange(PlannedAction.Delete, typeof(T).Name, entityKey(stored), []));
            _staged.Add(new StagedChange(PlannedAction.Delete, typeof(T).Name, entityKey(stored), AuditJson.Serialize(stored), null));
        }
        return final;
    }

    /// <summary>
    /// Gives the document's entity the stored entity's id so EF updates the row in place. Every
    /// configuration object has a settable <c>Id</c>; one setter for all of them, so a new kind of
    /// object cannot be forgotten here (a per-type switch once missed IP list entries and journal rules).
    /// </summary>
    private static void SetId<T>(T entity, Guid id) where T : class, IConfigurationObject =>
        IdSetter<T>.Set(entity, id);

    private static class IdSetter<T> where T : class, IConfigurationObject
    {
        private static readonly System.Reflection.PropertyInfo Property =
            typeof(T).GetProperty(nameof(IConfigurationObject.Id)) is { CanWrite: true } property
                ? property
                : throw new InvalidOperationException($"{typeof(T).Name}.Id has no setter: the configuration planner cannot update it in place.");

        public static void Set(T entity, Guid id) => Property.SetValue(entity, id);
    }

    private void Record(PlannedAction action, IConfigurationObject entity, string name, IReadOnlyList<string> differences, string? before)
    {
        _changes.Add(new PlannedChange(action, entity.GetType().Name, name, differences));
        _staged.Add(new StagedChange(action, entity.GetType().Name, name, before, AuditJson.Serialize(entity)));
    }

    private void AddFieldErrors(string path, ValidationErrors errors)
    {
        foreach (var (field, messages) in errors.ToDictionary())
            foreach (var message in messages)
                _errors.Add($"{path}.{field}", message);
    }

    internal static string NormalizeAddress(string? address) =>
        MailAddressRules.TryNormalize(address, out var normalized, out _) ? normalized : (address ?? "").Trim();
}
