using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>
/// The connection filter's IP allow and block lists: validates (address or CIDR, no duplicate on the
/// same list), saves with audit and a new configuration generation.
/// </summary>
public sealed class IpListService(ConfigurationEditor editor, TimeProvider time)
{
    private const string Noun = "IP list entry";

    public async Task<IReadOnlyList<IpListEntry>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await editor.ListAsync<IpListEntry>(cancellationToken)).OrderBy(e => e.List).ThenBy(e => e.Range, StringComparer.Ordinal)];

    public Task<IpListEntry?> GetAsync(Guid id, CancellationToken cancellationToken = default) => editor.GetAsync<IpListEntry>(id, cancellationToken);

    public Task<IpListEntry> CreateAsync(AdminActor actor, IpListEntry input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        var entry = new IpListEntry();
        Copy(input, entry);
        return editor.CreateAsync(actor, Noun, entry, ValidateAsync, cancellationToken);
    }

    /// <param name="input">The edited entry; its Revision is the one that was read.</param>
    public Task<IpListEntry> UpdateAsync(AdminActor actor, IpListEntry input, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.UpdateAsync<IpListEntry>(actor, Noun, input.Id, input.Revision, e => Copy(input, e), ValidateAsync, cancellationToken);
    }

    public Task DeleteAsync(AdminActor actor, Guid id, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.DeleteAsync<IpListEntry>(actor, Noun, id, validate: null, cascade: null, cancellationToken);
    }

    /// <summary>Checks that need no store (the admin center calls it as the admin types). <paramref name="now"/> refuses an expiry in the past.</summary>
    public static ValidationErrors ValidateFields(IpListEntry entry, DateTimeOffset? now = null)
    {
        var errors = new ValidationErrors();
        if (!IpListEntry.TryParseRange(entry.Range, out _, out var error))
            errors.Add(nameof(IpListEntry.Range), error!);
        if (!Enum.IsDefined(entry.List))
            errors.Add(nameof(IpListEntry.List), "Choose Allow or Block.");
        if (entry.Comment is { Length: > IpListEntry.MaxCommentLength })
            errors.Add(nameof(IpListEntry.Comment), $"Keep the comment under {IpListEntry.MaxCommentLength} characters.");
        if (now is { } at && entry.ExpiresAt is { } expires && expires <= at)
            errors.Add(nameof(IpListEntry.ExpiresAt), "The expiry is in the past: choose a later time, or none.");
        return errors;
    }

    private async Task ValidateAsync(MailflowDbContext db, IpListEntry entry, ValidationErrors errors, CancellationToken cancellationToken)
    {
        foreach (var (field, messages) in ValidateFields(entry, time.GetUtcNow()).ToDictionary())
            foreach (var message in messages)
                errors.Add(field, message);
        if (!errors.IsEmpty)
            return;
        IpListEntry.TryParseRange(entry.Range, out var range, out _);
        entry.Range = range.Text;
        // The range is normalized text, so an equality query finds the same range written differently.
        var clash = await db.Set<IpListEntry>().AsNoTracking()
            .AnyAsync(e => e.Id != entry.Id && e.List == entry.List && e.Range == entry.Range, cancellationToken);
        if (clash)
            errors.Add(nameof(IpListEntry.Range), $"{entry.Range} is already on the {(entry.List == IpListKind.Allow ? "allow" : "block")} list.");
    }

    private static void Copy(IpListEntry from, IpListEntry to)
    {
        to.List = from.List;
        to.Range = (from.Range ?? "").Trim();
        to.Comment = string.IsNullOrWhiteSpace(from.Comment) ? null : from.Comment.Trim();
        to.ExpiresAt = from.ExpiresAt;
    }
}
