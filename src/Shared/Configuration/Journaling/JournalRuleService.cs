using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>Journal rules: validated, saved with audit and a new configuration generation like every aggregate.</summary>
public sealed class JournalRuleService(ConfigurationEditor editor)
{
    private const string Noun = "Journal rule";

    public async Task<IReadOnlyList<JournalRule>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await editor.ListAsync<JournalRule>(cancellationToken)).OrderBy(r => r.Name, StringComparer.OrdinalIgnoreCase)];

    public Task<JournalRule?> GetAsync(Guid id, CancellationToken cancellationToken = default) => editor.GetAsync<JournalRule>(id, cancellationToken);

    public Task<JournalRule> CreateAsync(AdminActor actor, JournalRule input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        var rule = new JournalRule();
        CopyEditableFields(input, rule);
        return editor.CreateAsync(actor, Noun, rule, ValidateAsync, cancellationToken);
    }

    public Task<JournalRule> UpdateAsync(AdminActor actor, JournalRule input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.UpdateAsync<JournalRule>(actor, Noun, input.Id, input.Revision, r => CopyEditableFields(input, r), ValidateAsync, cancellationToken);
    }

    public Task DeleteAsync(AdminActor actor, Guid id, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.DeleteAsync<JournalRule>(actor, Noun, id, validate: null, cascade: null, cancellationToken);
    }

    /// <summary>Checks that need no store: the admin center calls it as the admin types.</summary>
    public static ValidationErrors ValidateFields(JournalRule rule)
    {
        var errors = new ValidationErrors();
        if (string.IsNullOrWhiteSpace(rule.Name))
            errors.Add(nameof(rule.Name), "Give the journal rule a name.");
        else if (rule.Name.Trim().Length > 128)
            errors.Add(nameof(rule.Name), "The name may have at most 128 characters.");
        if (!Enum.IsDefined(rule.Scope))
            errors.Add(nameof(rule.Scope), "Choose Global, Internal or External.");
        if (string.IsNullOrWhiteSpace(rule.JournalAddress))
            errors.Add(nameof(rule.JournalAddress), "Give the address journal reports go to (a journal mailbox or an archive's address).");
        else if (!MailAddressRules.TryNormalize(rule.JournalAddress, out _, out var error))
            errors.Add(nameof(rule.JournalAddress), error!);
        if (!string.IsNullOrWhiteSpace(rule.Recipient) && !MailAddressRules.TryNormalize(rule.Recipient, out _, out var recipientError))
            errors.Add(nameof(rule.Recipient), recipientError!);
        if (!string.IsNullOrWhiteSpace(rule.AlternateJournalAddress))
        {
            if (!MailAddressRules.TryNormalize(rule.AlternateJournalAddress, out var alternate, out var alternateError))
                errors.Add(nameof(rule.AlternateJournalAddress), alternateError!);
            else if (MailAddressRules.TryNormalize(rule.JournalAddress, out var journal, out _) && string.Equals(alternate, journal, StringComparison.OrdinalIgnoreCase))
                errors.Add(nameof(rule.AlternateJournalAddress), "The alternate address receives the reports the journal address could not take: choose another address.");
        }
        return errors;
    }

    private static async Task ValidateAsync(MailflowDbContext db, JournalRule rule, ValidationErrors errors, CancellationToken cancellationToken)
    {
        foreach (var (field, messages) in ValidateFields(rule).ToDictionary())
            foreach (var message in messages)
                errors.Add(field, message);
        rule.Name = rule.Name.Trim();
        if (await db.JournalRules.AsNoTracking().AnyAsync(o => o.Id != rule.Id && o.Name.ToLower() == rule.Name.ToLower(), cancellationToken))
            errors.Add(nameof(rule.Name), $"There is already a journal rule named '{rule.Name}'.");
    }

    private static void CopyEditableFields(JournalRule from, JournalRule to)
    {
        to.Name = from.Name.Trim();
        to.Enabled = from.Enabled;
        to.Scope = from.Scope;
        to.Recipient = Normalize(from.Recipient);
        to.JournalAddress = Normalize(from.JournalAddress) ?? "";
        to.AlternateJournalAddress = Normalize(from.AlternateJournalAddress);
    }

    private static string? Normalize(string? address) =>
        string.IsNullOrWhiteSpace(address) ? null : MailAddressRules.TryNormalize(address, out var normalized, out _) ? normalized : address.Trim();
}
