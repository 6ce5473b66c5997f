using System.Security.Cryptography;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

public enum RecipientSort
{
    Address,
    Name,
    Kind,
}

/// <summary>A page of the recipient list: optionally one kind, optionally matching a text, sorted.</summary>
/// <param name="Text">Contained (case-insensitive) in the primary address or the display name.</param>
public sealed record RecipientSearch(string? Text = null, RecipientKind? Kind = null, RecipientSort Sort = RecipientSort.Address,
    bool Descending = false, int Skip = 0, int Take = 50);

public sealed record RecipientSearchPage(IReadOnlyList<Recipient> Items, int Total);

/// <summary>
/// Reads the recipient directory a page at a time in the store (organizations have tens of thousands of
/// recipients; the admin center must not load them all), and generates submission passwords.
/// </summary>
public sealed class RecipientDirectory(IDbContextFactory<MailflowDbContext> dbFactory)
{
    public const int MaximumPageSize = 500;

    public async Task<RecipientSearchPage> SearchAsync(RecipientSearch search, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.Recipients.AsNoTracking();
        if (search.Kind is { } kind)
            query = query.Where(r => r.Kind == kind);
        if (!string.IsNullOrWhiteSpace(search.Text))
        {
            var text = search.Text.Trim().ToLower();
            query = query.Where(r => r.PrimaryAddress.ToLower().Contains(text) || r.DisplayName.ToLower().Contains(text));
        }
        var total = await query.CountAsync(cancellationToken);
        query = (search.Sort, search.Descending) switch
        {
            (RecipientSort.Name, false) => query.OrderBy(r => r.DisplayName).ThenBy(r => r.PrimaryAddress),
            (RecipientSort.Name, true) => query.OrderByDescending(r => r.DisplayName).ThenBy(r => r.PrimaryAddress),
            (RecipientSort.Kind, false) => query.OrderBy(r => r.Kind).ThenBy(r => r.PrimaryAddress),
            (RecipientSort.Kind, true) => query.OrderByDescending(r => r.Kind).ThenBy(r => r.PrimaryAddress),
            (_, true) => query.OrderByDescending(r => r.PrimaryAddress),
            _ => query.OrderBy(r => r.PrimaryAddress),
        };
        var items = await query.Skip(Math.Max(0, search.Skip)).Take(Math.Clamp(search.Take, 1, MaximumPageSize)).ToListAsync(cancellationToken);
        return new RecipientSearchPage(items, total);
    }

    /// <summary>Primary addresses of the given recipients (an alias page names its targets without loading the directory).</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> AddressesOfAsync(IReadOnlyCollection<Guid> ids, CancellationToken cancellationToken = default)
    {
        if (ids.Count == 0)
            return new Dictionary<Guid, string>();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.Recipients.AsNoTracking().Where(r => ids.Contains(r.Id)).ToDictionaryAsync(r => r.Id, r => r.PrimaryAddress, cancellationToken);
    }

    /// <summary>A new random submission password: 20 characters from a 64-symbol alphabet, 120 random bits.</summary>
    public static string GeneratePassword() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(15)).Replace('+', '-').Replace('/', '_');
}
