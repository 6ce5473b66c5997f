using System.Globalization;
using System.Text.RegularExpressions;
using Mailflow.Data;
using Mailflow.Net;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>Mail flow rules: validated against <see cref="RuleCatalog"/>, kept in a gap-free priority order.</summary>
public sealed class TransportRuleService(ConfigurationEditor editor, IDbContextFactory<MailflowDbContext> dbFactory, ConfigurationChangeWriter writer)
{
    private const string Noun = "Mail flow rule";
    /// <summary>Patterns run on untrusted mail: bound their time (the engine uses the same limit).</summary>
    public static readonly TimeSpan PatternTimeout = TimeSpan.FromMilliseconds(250);

    public async Task<IReadOnlyList<TransportRule>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await editor.ListAsync<TransportRule>(cancellationToken)).OrderBy(r => r.Priority).ThenBy(r => r.Name, StringComparer.Ordinal)];

    public Task<TransportRule?> GetAsync(Guid id, CancellationToken cancellationToken = default) =>
        editor.GetAsync<TransportRule>(id, cancellationToken);

    /// <summary>Creates the rule; a priority past the end (or negative) puts it last.</summary>
    public async Task<TransportRule> CreateAsync(AdminActor actor, TransportRule input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        var rule = new TransportRule();
        CopyEditableFields(input, rule);
        var count = (await editor.ListAsync<TransportRule>(cancellationToken)).Count;
        if (rule.Priority < 0 || rule.Priority > count)
            rule.Priority = count;
        var created = await editor.CreateAsync(actor, Noun, rule, ValidateAsync, cancellationToken);
        if (created.Priority < count)
            return await MoveAsync(actor, created.Id, created.Priority, cancellationToken);
        return created;
    }

    public Task<TransportRule> UpdateAsync(AdminActor actor, TransportRule input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.UpdateAsync<TransportRule>(actor, Noun, input.Id, input.Revision, r =>
        {
            var priority = r.Priority;
            CopyEditableFields(input, r);
            r.Priority = priority; // order changes go through MoveAsync so priorities stay gap-free
        }, ValidateAsync, cancellationToken);
    }

    public async Task DeleteAsync(AdminActor actor, Guid id, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        await editor.DeleteAsync<TransportRule>(actor, Noun, id, validate: null, cascade: async (db, removed, ct) =>
        {
            var changes = new List<AuditChange>();
            foreach (var later in await db.TransportRules.Where(r => r.Priority > removed.Priority).ToListAsync(ct))
            {
                var before = AuditJson.Serialize(later);
                later.Priority--;
                later.Revision++;
                changes.Add(AuditChange.Updated(before, later));
            }
            return changes;
        }, cancellationToken);
    }

    /// <summary>Moves a rule to <paramref name="newPriority"/> (0 = first) and renumbers the others, as one generation.</summary>
    public async Task<TransportRule> MoveAsync(AdminActor actor, Guid id, int newPriority, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var rules = await db.TransportRules.OrderBy(r => r.Priority).ThenBy(r => r.Name).ToListAsync(cancellationToken);
        var moving = rules.FirstOrDefault(r => r.Id == id) ?? throw new ConfigurationNotFoundException("That mail flow rule no longer exists.");
        rules.Remove(moving);
        rules.Insert(Math.Clamp(newPriority, 0, rules.Count), moving);
        var changes = new List<AuditChange>();
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i].Priority == i)
                continue;
            var before = AuditJson.Serialize(rules[i]);
            rules[i].Priority = i;
            rules[i].Revision++;
            changes.Add(AuditChange.Updated(before, rules[i]));
        }
        if (changes.Count > 0)
        {
            await writer.CommitAsync(db, actor, $"{Noun} '{moving.Name}' moved to priority {moving.Priority}", changes, cancellationToken);
        }
        return moving;
    }

    public static ValidationErrors ValidateFields(TransportRule rule)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(rule.Name))
            errors.Add(nameof(rule.Name), "Give the rule a name.");
        else if (rule.Name.Length > 128)
            errors.Add(nameof(rule.Name), "The name may have at most 128 characters.");
        if (rule.ActivationDate is { } from && rule.ExpiryDate is { } until && until <= from)
            errors.Add(nameof(rule.ExpiryDate), "The rule must stop after it starts: choose an end date later than the start date.");
        if (rule.Definition.Actions.Count == 0)
            errors.Add("Actions", "Add at least one action: what should happen to matching messages?");
        ValidatePredicates(rule.Definition.Conditions, "Conditions", errors);
        ValidatePredicates(rule.Definition.Exceptions, "Exceptions", errors);
        foreach (var action in rule.Definition.Actions)
        {
            var definition = RuleCatalog.FindAction(action.Kind);
            if (definition is null)
            {
                errors.Add("Actions", $"'{action.Kind}' is not an action Mailflow supports.");
                continue;
            }
            foreach (var argument in definition.RequiredArguments)
                if (!action.Arguments.TryGetValue(argument, out var value) || string.IsNullOrWhiteSpace(value))
                    errors.Add("Actions", $"'{definition.Label}' needs a value for {argument}.");
            if (action.Kind is "RedirectTo" or "AddRecipients" or "BccTo" or "GenerateIncidentReport" or "ModerateWith" && action.Arguments.TryGetValue("Addresses", out var addresses))
                foreach (var address in SplitList(addresses))
                    if (!MailAddressRules.TryNormalize(address, out _, out var error))
                        errors.Add("Actions", error!);
            if (action.Kind == "Reject" && action.Arguments.TryGetValue("EnhancedStatusCode", out var code) && code.Length > 0
                && !Regex.IsMatch(code, @"^5\.\d{1,3}\.\d{1,3}$"))
                errors.Add("Actions", $"'{code}' is not a permanent enhanced status code: use 5.x.y, e.g. 5.7.1.");
            if (action.Kind is "SetHeader" or "RemoveHeader" && action.Arguments.TryGetValue("Name", out var header)
                && !Regex.IsMatch(header, "^[!-9;-~]+$"))
                errors.Add("Actions", $"'{header}' is not a valid header name.");
            if (action.Kind == "SetScl" && action.Arguments.TryGetValue("Value", out var scl)
                && (!int.TryParse(scl, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) || n is < -1 or > 9))
                errors.Add("Actions", "The spam confidence level is a number from -1 to 9.");
            if (action.Kind == "SetImportance" && action.Arguments.TryGetValue("Value", out var importance) && importance.Length > 0
                && !RuleCatalog.Importances.Any(i => string.Equals(i.Value, importance, StringComparison.OrdinalIgnoreCase)))
                errors.Add("Actions", "The importance is High, Normal or Low.");
            if (action.Kind == "SetClassification" && action.Arguments.TryGetValue("Value", out var classification)
                && (classification.Length > 128 || classification.Any(char.IsControl)))
                errors.Add("Actions", "The classification is one line of at most 128 characters.");
            if (action.Kind == "ModerateWith" && action.Arguments.TryGetValue("ExpiryDays", out var days) && days.Length > 0
                && (!int.TryParse(days, NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) || d < 1 || d > RuleCatalog.MaxModerationExpiryDays))
                errors.Add("Actions", $"The moderator has 1 to {RuleCatalog.MaxModerationExpiryDays} days to decide.");
            if (action.Kind == "NotifyRecipient" && action.Arguments.TryGetValue("Delivery", out var delivery) && delivery.Length > 0
                && !RuleCatalog.NotifyRecipientDelivery.Contains(delivery, StringComparer.OrdinalIgnoreCase))
                errors.Add("Actions", "Choose whether the notice comes with the message (WithMessage) or instead of it (InsteadOfMessage).");
        }
        return errors;
    }

    private static void ValidatePredicates(IEnumerable<RulePredicate> predicates, string field, ValidationErrors errors)
    {
        foreach (var predicate in predicates)
        {
            var definition = RuleCatalog.FindPredicate(predicate.Kind);
            if (definition is null)
            {
                errors.Add(field, $"'{predicate.Kind}' is not a condition Mailflow supports.");
                continue;
            }
            if (definition.NeedsHeaderName && string.IsNullOrWhiteSpace(predicate.HeaderName))
                errors.Add(field, $"'{definition.Label}' needs the header's name.");
            if (definition.ValueKind != RuleValueKind.None && predicate.Values.Count(v => !string.IsNullOrWhiteSpace(v)) == 0)
                errors.Add(field, $"'{definition.Label}' needs at least one value.");
            foreach (var value in predicate.Values)
            {
                var problem = definition.ValueKind switch
                {
                    RuleValueKind.Patterns => PatternProblem(value),
                    RuleValueKind.Addresses => MailAddressRules.TryNormalize(value, out _, out var e) ? null : e,
                    RuleValueKind.Domains => DomainNameRules.TryNormalize(value, out _, out var e) ? null : e,
                    RuleValueKind.IpRanges => IpRange.TryParse(value, out _, out var e) ? null : e,
                    RuleValueKind.SizeBytes => long.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) && size >= 0 ? null : $"'{value}' is not a size in bytes.",
                    RuleValueKind.Number => int.TryParse(value, NumberStyles.Integer, CultureInfo.InvariantCulture, out _) ? null : $"'{value}' is not a number.",
                    RuleValueKind.Scope => RuleCatalog.Scopes.Contains(value) ? null : "Choose inside or outside the organization.",
                    RuleValueKind.Groups => Guid.TryParse(value, out _) ? null : "Choose a distribution group.",
                    RuleValueKind.Choice => definition.Choices!.Any(c => string.Equals(c.Value, value, StringComparison.OrdinalIgnoreCase)) ? null
                        : $"'{value}' is not one of {string.Join(", ", definition.Choices!.Select(c => c.Value))}.",
                    RuleValueKind.Charsets => Regex.IsMatch(value, "^[A-Za-z0-9][A-Za-z0-9._:+-]{0,39}$") ? null
                        : $"'{value}' is not a character set name (e.g. utf-8, iso-8859-1, koi8-r).",
                    _ => null,
                };
                if (problem is not null)
                    errors.Add(field, problem);
            }
        }
    }

    private static string? PatternProblem(string pattern)
    {
        try
        {
            _ = new Regex(pattern, RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, PatternTimeout);
            return null;
        }
        catch (ArgumentException ex)
        {
            return $"'{pattern}' is not a valid pattern: {ex.Message}";
        }
    }

    private static IEnumerable<string> SplitList(string text) =>
        text.Split([',', ';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static async Task ValidateAsync(MailflowDbContext db, TransportRule rule, ValidationErrors errors, CancellationToken cancellationToken)
    {
        foreach (var (field, messages) in ValidateFields(rule).ToDictionary())
            foreach (var message in messages)
                errors.Add(field, message);
        rule.Name = rule.Name.Trim();
        if (await db.TransportRules.AsNoTracking().AnyAsync(o => o.Id != rule.Id && o.Name.ToLower() == rule.Name.ToLower(), cancellationToken))
            errors.Add(nameof(rule.Name), $"There is already a mail flow rule named '{rule.Name}'.");
        foreach (var action in rule.Definition.Actions.Where(a => a.Kind == "RouteThroughConnector"))
        {
            var name = action.Arguments.GetValueOrDefault("Connector") ?? "";
            if (!await db.SendConnectors.AsNoTracking().AnyAsync(c => c.Name == name, cancellationToken))
                errors.Add("Actions", $"There is no send connector named '{name}'.");
        }
    }

    private static void CopyEditableFields(TransportRule from, TransportRule to)
    {
        to.Name = from.Name;
        to.Comments = from.Comments;
        to.Priority = from.Priority;
        to.Enabled = from.Enabled;
        to.Mode = from.Mode;
        to.ActivationDate = from.ActivationDate;
        to.ExpiryDate = from.ExpiryDate;
        to.StopProcessingRules = from.StopProcessingRules;
        to.SenderAddressLocation = from.SenderAddressLocation;
        to.Definition = new RuleDefinition
        {
            Conditions = [.. from.Definition.Conditions],
            Exceptions = [.. from.Definition.Exceptions],
            Actions = [.. from.Definition.Actions],
        };
    }
}
