using System.Runtime.CompilerServices;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Auditing;

/// <summary>What the audit log is narrowed to; every part is optional. Used alike by the page, its CSV download and the API.</summary>
/// <param name="Text">Contained (case-insensitive) in the object name, the object type or the actor.</param>
/// <param name="Actor">Exactly this actor (an admin's user name, <c>apikey:ci</c>, <c>system</c>).</param>
/// <param name="ObjectType">Exactly this object type (<c>AcceptedDomain</c>, <c>AdminUser</c>, …).</param>
/// <param name="ObjectName">Contained (case-insensitive) in the object name.</param>
/// <param name="From">Entries at or after this instant.</param>
/// <param name="To">Entries before this instant.</param>
public sealed record AuditLogFilter(
    string? Text = null, string? Actor = null, string? ObjectType = null, string? ObjectName = null,
    DateTimeOffset? From = null, DateTimeOffset? To = null);

public enum AuditLogSort
{
    NewestFirst,
    OldestFirst,
    Actor,
    Object,
}

public sealed record AuditLogPage(IReadOnlyList<AuditEntry> Items, int Total);

/// <summary>The audit log read model, shared by the admin center (page, CSV) and /api/v1/audit: pages, sorts and streams audit entries under a filter, over the whole log (the time index bounds date filters).</summary>
public sealed class AuditLogQuery(IDbContextFactory<MailflowDbContext> dbFactory)
{
    public const int MaximumPageSize = 500;
    private const int StreamBatchSize = 1000;

    public async Task<AuditLogPage> PageAsync(AuditLogFilter filter, int skip, int take, AuditLogSort sort, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = Apply(db.AuditEntries.AsNoTracking(), filter);
        var total = await query.CountAsync(cancellationToken);
        var items = await Sorted(query, sort).Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, MaximumPageSize)).ToListAsync(cancellationToken);
        return new AuditLogPage(items, total);
    }

    /// <summary>Every entry under the filter, newest first, read in batches (for the CSV export of a large log).</summary>
    public async IAsyncEnumerable<AuditEntry> StreamAsync(AuditLogFilter filter, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        long? below = null;
        while (true)
        {
            await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
            var query = Apply(db.AuditEntries.AsNoTracking(), filter);
            if (below is { } id)
                query = query.Where(a => a.Id < id);
            var batch = await query.OrderByDescending(a => a.Id).Take(StreamBatchSize).ToListAsync(cancellationToken);
            foreach (var entry in batch)
                yield return entry;
            if (batch.Count < StreamBatchSize)
                yield break;
            below = batch[^1].Id;
        }
    }

    /// <summary>Everyone who appears in the log, for the actor filter.</summary>
    public async Task<IReadOnlyList<string>> ActorsAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.AuditEntries.AsNoTracking().Select(a => a.Actor).Distinct().OrderBy(a => a).ToListAsync(cancellationToken);
    }

    private static IQueryable<AuditEntry> Apply(IQueryable<AuditEntry> query, AuditLogFilter filter)
    {
        if (!string.IsNullOrWhiteSpace(filter.Text))
        {
            var text = filter.Text.Trim().ToLower();
            query = query.Where(a => a.ObjectName.ToLower().Contains(text) || a.Actor.ToLower().Contains(text) || a.ObjectType.ToLower().Contains(text));
        }
        if (!string.IsNullOrWhiteSpace(filter.Actor))
            query = query.Where(a => a.Actor == filter.Actor);
        if (!string.IsNullOrWhiteSpace(filter.ObjectType))
            query = query.Where(a => a.ObjectType == filter.ObjectType);
        if (!string.IsNullOrWhiteSpace(filter.ObjectName))
        {
            var name = filter.ObjectName.Trim().ToLower();
            query = query.Where(a => a.ObjectName.ToLower().Contains(name));
        }
        if (filter.From is { } from)
            query = query.Where(a => a.At >= from);
        if (filter.To is { } to)
            query = query.Where(a => a.At < to);
        return query;
    }

    // Id follows insertion order, which is the order of the changes (and is indexed, unlike a text column).
    private static IQueryable<AuditEntry> Sorted(IQueryable<AuditEntry> query, AuditLogSort sort) => sort switch
    {
        AuditLogSort.OldestFirst => query.OrderBy(a => a.Id),
        AuditLogSort.Actor => query.OrderBy(a => a.Actor).ThenByDescending(a => a.Id),
        AuditLogSort.Object => query.OrderBy(a => a.ObjectType).ThenBy(a => a.ObjectName).ThenByDescending(a => a.Id),
        _ => query.OrderByDescending(a => a.Id),
    };
}
