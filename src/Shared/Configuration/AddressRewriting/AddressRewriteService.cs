using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>
/// Address rewriting entries: validates (patterns, which side may be what, exceptions under the
/// internal side, one entry per internal pattern, one way back per external address), saves with
/// audit and a new configuration generation.
/// </summary>
public sealed class AddressRewriteService(ConfigurationEditor editor)
{
    private const string Noun = "Address rewriting entry";

    public async Task<IReadOnlyList<AddressRewriteEntry>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await editor.ListAsync<AddressRewriteEntry>(cancellationToken)).OrderBy(e => e.Name, StringComparer.OrdinalIgnoreCase)];

    public Task<AddressRewriteEntry?> GetAsync(Guid id, CancellationToken cancellationToken = default) => editor.GetAsync<AddressRewriteEntry>(id, cancellationToken);

    public Task<AddressRewriteEntry> CreateAsync(AdminActor actor, AddressRewriteEntry input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        var entry = new AddressRewriteEntry();
        Copy(input, entry);
        return editor.CreateAsync(actor, Noun, entry, ValidateAsync, cancellationToken);
    }

    /// <param name="input">The edited entry; its Revision is the one that was read.</param>
    public Task<AddressRewriteEntry> UpdateAsync(AdminActor actor, AddressRewriteEntry input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.UpdateAsync<AddressRewriteEntry>(actor, Noun, input.Id, input.Revision, e => Copy(input, e), ValidateAsync, cancellationToken);
    }

    public Task DeleteAsync(AdminActor actor, Guid id, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.DeleteAsync<AddressRewriteEntry>(actor, Noun, id, validate: null, cascade: null, cancellationToken);
    }

    /// <summary>Checks that need no store (the admin center calls it as the admin types); normalizes the patterns in place when they parse.</summary>
    public static ValidationErrors ValidateFields(AddressRewriteEntry entry)
    {
        var errors = new ValidationErrors();
        var name = (entry.Name ?? "").Trim();
        if (name.Length == 0)
            errors.Add(nameof(AddressRewriteEntry.Name), "Give the entry a name, for example 'Corp to contoso.com'.");
        else if (name.Length > AddressRewriteEntry.MaxNameLength)
            errors.Add(nameof(AddressRewriteEntry.Name), $"Keep the name under {AddressRewriteEntry.MaxNameLength} characters.");

        var inside = Parse(entry.InternalAddress, nameof(AddressRewriteEntry.InternalAddress), errors);
        var outside = Parse(entry.ExternalAddress, nameof(AddressRewriteEntry.ExternalAddress), errors);
        if (inside is not null)
            entry.InternalAddress = inside.Text;
        if (outside is not null)
            entry.ExternalAddress = outside.Text;
        if (inside is not null && outside is not null)
        {
            if (inside.Kind == AddressPatternKind.Address && outside.Kind != AddressPatternKind.Address)
                errors.Add(nameof(AddressRewriteEntry.ExternalAddress), $"{inside.Text} is one address: rewrite it to one address, for example {inside.Value[..inside.Value.IndexOf('@')]}@{(outside.Kind == AddressPatternKind.Address ? MailAddressRules.DomainOf(outside.Value) : outside.Value)}.");
            else if (inside.Kind != AddressPatternKind.Address && outside.Kind != AddressPatternKind.Domain)
                errors.Add(nameof(AddressRewriteEntry.ExternalAddress), $"{inside.Text} is a domain: rewrite it to one domain (no address, no *.), for example contoso.com.");
            else if (inside.Text == outside.Text)
                errors.Add(nameof(AddressRewriteEntry.ExternalAddress), "The external address is the internal one: nothing would change.");
        }
        if (inside is { Kind: AddressPatternKind.Subdomains } && !entry.OutboundOnly)
            errors.Add(nameof(AddressRewriteEntry.OutboundOnly), $"{inside.Text} covers every subdomain, so mail to the external domain cannot be rewritten back: tick 'outbound only'.");

        var exceptions = new List<string>();
        var list = entry.ExceptionList ?? [];
        if (list.Count > AddressRewriteEntry.MaxExceptions)
            errors.Add(nameof(AddressRewriteEntry.ExceptionList), $"At most {AddressRewriteEntry.MaxExceptions} exceptions.");
        foreach (var text in list.Where(t => !string.IsNullOrWhiteSpace(t)))
        {
            if (!AddressPattern.TryParse(text, out var exception, out var error))
            {
                errors.Add(nameof(AddressRewriteEntry.ExceptionList), error!);
                continue;
            }
            if (inside is { Kind: AddressPatternKind.Address })
                errors.Add(nameof(AddressRewriteEntry.ExceptionList), $"{inside.Text} is one address: it has nothing to except. Remove {exception.Text}.");
            else if (inside is not null && !inside.Covers(exception))
                errors.Add(nameof(AddressRewriteEntry.ExceptionList), $"{exception.Text} is not under {inside.Text}, so it would never be rewritten anyway.");
            else if (!exceptions.Contains(exception.Text))
                exceptions.Add(exception.Text);
        }
        entry.ExceptionList = exceptions;
        return errors;
    }

    private static AddressPattern? Parse(string? text, string field, ValidationErrors errors)
    {
        if (AddressPattern.TryParse(text, out var pattern, out var error))
            return pattern;
        errors.Add(field, error!);
        return null;
    }

    private static async Task ValidateAsync(MailflowDbContext db, AddressRewriteEntry entry, ValidationErrors errors, CancellationToken cancellationToken)
    {
        foreach (var (field, messages) in ValidateFields(entry).ToDictionary())
            foreach (var message in messages)
                errors.Add(field, message);
        if (!errors.IsEmpty)
            return;
        var others = await db.Set<AddressRewriteEntry>().AsNoTracking().Where(e => e.Id != entry.Id).ToListAsync(cancellationToken);
        foreach (var problem in Clashes(entry, others))
            errors.Add(problem.Field, problem.Message);
    }

    /// <summary>What only the whole set can tell: names and internal patterns used once, one entry rewriting each external address back.</summary>
    public static IEnumerable<(string Field, string Message)> Clashes(AddressRewriteEntry entry, IEnumerable<AddressRewriteEntry> others)
    {
        foreach (var other in others)
        {
            if (string.Equals(other.Name, entry.Name, StringComparison.OrdinalIgnoreCase))
                yield return (nameof(AddressRewriteEntry.Name), $"There is already an entry named '{other.Name}'.");
            if (string.Equals(other.InternalAddress, entry.InternalAddress, StringComparison.OrdinalIgnoreCase))
                yield return (nameof(AddressRewriteEntry.InternalAddress), $"The entry '{other.Name}' already rewrites {other.InternalAddress}.");
            else if (!entry.OutboundOnly && !other.OutboundOnly && string.Equals(other.ExternalAddress, entry.ExternalAddress, StringComparison.OrdinalIgnoreCase))
                yield return (nameof(AddressRewriteEntry.ExternalAddress),
                    $"The entry '{other.Name}' already rewrites mail to {other.ExternalAddress} back to {other.InternalAddress}: make one of them outbound only.");
        }
    }

    private static void Copy(AddressRewriteEntry from, AddressRewriteEntry to)
    {
        to.Name = (from.Name ?? "").Trim();
        to.InternalAddress = (from.InternalAddress ?? "").Trim();
        to.ExternalAddress = (from.ExternalAddress ?? "").Trim();
        to.ExceptionList = [.. (from.ExceptionList ?? []).Select(e => e.Trim()).Where(e => e.Length > 0)];
        to.OutboundOnly = from.OutboundOnly;
        to.Enabled = from.Enabled;
    }
}
