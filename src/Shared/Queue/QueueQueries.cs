using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Queue;

/// <summary>
/// The queue viewer's reads, shared by the admin center, the REST API, the CLI (through
/// <see cref="IQueueOperations"/>) and mailflow-bench: filter, count, page, and the per-next-hop summary.
/// Built to stay fast with 100,000 queued messages (bench/README.md, "Queue viewer"):
/// <list type="bullet">
/// <item>Text filters run over the narrow indexed columns, never over message content: on SQLite as a
/// self-subquery (<c>Id IN (SELECT Id … WHERE Sender LIKE …)</c>), which SQLite answers by scanning the
/// covering index instead of walking the sort index and fetching every row; on PostgreSQL as ILIKE,
/// which the pg_trgm GIN indexes answer without a scan.</item>
/// <item>Next hop and recipient filters are one uncorrelated <c>IN (SELECT MessageId …)</c> over
/// recipient indexes, not an EXISTS per message.</item>
/// <item>A page is found by ids first (index-only), then only its rows are read and summarized; pages
/// past the middle are read from the other end (the last page costs what the first does).</item>
/// </list>
/// </summary>
public static partial class QueueQueries
{
    public const int MaxPageSize = 500;

    private const string LikeEscape = "\\";
    private static readonly QueuedRecipientStatus[] OpenStatuses = [QueuedRecipientStatus.Scheduled, QueuedRecipientStatus.TemporaryFailure];

    /// <summary>The messages the filter selects (untracked; also the target of filter-wide updates and deletes).</summary>
    public static IQueryable<QueuedMessage> Matching(MailflowDbContext db, QueueMessageFilter filter, DateTimeOffset? now = null) =>
        Matching(db, filter, stateByIndex: true, now ?? DateTimeOffset.UtcNow);

    /// <param name="stateByIndex">
    /// False keeps SQLite from answering the state filter with the (State, NextAttemptAt) index. Without
    /// statistics SQLite takes every equality on an indexed column for a selective one, and would then
    /// sort all 85,000 waiting messages to show 50 of them, where walking the sort column's index and
    /// skipping other states reads ~60 rows. PostgreSQL has statistics and chooses on its own.
    /// </param>
    private static IQueryable<QueuedMessage> Matching(MailflowDbContext db, QueueMessageFilter filter, bool stateByIndex, DateTimeOffset now)
    {
        var postgres = db.Database.IsNpgsql();
        var messages = db.QueuedMessages.AsNoTracking();
        if (filter.State is { } state)
            messages = stateByIndex || postgres
                ? messages.Where(m => m.State == state)
                : messages.Where(m => EF.Functions.Collate(m.State, "NOCASE") == state);
        else if (filter.Status is null)
            // Finished messages belong to the message trace, not the queue.
            messages = messages.Where(m => m.State != QueuedMessageState.Completed);
        if (filter.Status is { } status)
            messages = WithStatus(messages, status, now);
        if (filter.ReceivedFrom is { } from)
            messages = messages.Where(m => m.ReceivedAt >= from);
        if (filter.ReceivedBefore is { } before)
            messages = messages.Where(m => m.ReceivedAt < before);
        if (ContainsPattern(filter.Sender) is { } sender)
            messages = postgres
                ? messages.Where(m => EF.Functions.ILike(m.Sender, sender, LikeEscape))
                : messages.Where(m => db.QueuedMessages.Where(x => EF.Functions.Like(x.Sender, sender, LikeEscape)).Select(x => x.Id).Contains(m.Id));
        if (ContainsPattern(filter.SubjectContains) is { } subject)
            messages = postgres
                ? messages.Where(m => EF.Functions.ILike(m.Subject!, subject, LikeEscape))
                : messages.Where(m => db.QueuedMessages.Where(x => EF.Functions.Like(x.Subject!, subject, LikeEscape)).Select(x => x.Id).Contains(m.Id));
        if (ContainsPattern(filter.Recipient) is { } recipient)
        {
            var withRecipient = postgres
                ? db.QueuedRecipients.Where(r => EF.Functions.ILike(r.Address, recipient, LikeEscape))
                : db.QueuedRecipients.Where(r => EF.Functions.Like(r.Address, recipient, LikeEscape));
            messages = messages.Where(m => withRecipient.Select(r => r.MessageId).Contains(m.Id));
        }
        if (filter.NextHopKey is { Length: > 0 } nextHop)
        {
            var onHop = db.QueuedRecipients.Where(r => r.NextHopKey == nextHop && OpenStatuses.Contains(r.Status)).Select(r => r.MessageId);
            messages = messages.Where(m => onHop.Contains(m.Id));
        }
        return messages;
    }

    public static Task<int> CountAsync(MailflowDbContext db, QueueMessageFilter filter, CancellationToken cancellationToken, DateTimeOffset? now = null) =>
        Matching(db, filter, now).CountAsync(cancellationToken);

    /// <summary>The operator's status as a store predicate (<see cref="QueueMessageStatuses.Of"/> in SQL).</summary>
    private static IQueryable<QueuedMessage> WithStatus(IQueryable<QueuedMessage> messages, QueueMessageStatus status, DateTimeOffset now) => status switch
    {
        QueueMessageStatus.Submission => messages.Where(m => m.State == QueuedMessageState.Submitted),
        QueueMessageStatus.Active => messages.Where(m => m.State == QueuedMessageState.Categorized && m.LeaseUntil > now),
        QueueMessageStatus.Ready => messages.Where(m => m.State == QueuedMessageState.Categorized && (m.LeaseUntil == null || m.LeaseUntil <= now)
            && (m.NextAttemptAt == null || m.NextAttemptAt <= now)),
        QueueMessageStatus.Retry => messages.Where(m => m.State == QueuedMessageState.Categorized && (m.LeaseUntil == null || m.LeaseUntil <= now) && m.NextAttemptAt > now),
        QueueMessageStatus.Suspended => messages.Where(m => m.State == QueuedMessageState.Suspended),
        QueueMessageStatus.Quarantined => messages.Where(m => m.State == QueuedMessageState.Quarantined),
        QueueMessageStatus.Poison => messages.Where(m => m.State == QueuedMessageState.Poison),
        _ => messages.Where(m => m.State == QueuedMessageState.Completed),
    };

    /// <summary>One page of the viewer and the number of messages matching its filter.</summary>
    public static async Task<QueueMessagePage> ListAsync(MailflowDbContext db, QueueMessageQuery query, CancellationToken cancellationToken, DateTimeOffset? at = null)
    {
        var now = at ?? DateTimeOffset.UtcNow;
        var total = await CountAsync(db, query, cancellationToken, now);
        var take = Math.Clamp(query.Take, 1, MaxPageSize);
        var skip = Math.Max(0, query.Skip);
        if (skip >= total)
            return new QueueMessagePage([], total);

        // OFFSET walks (and discards) every row before the page. Past the middle, walk from the other end:
        // the rows [skip, skip + take) in one order are [total - skip - take, total - skip) in the other.
        var reverse = skip > total / 2;
        var descending = query.Descending;
        if (reverse)
        {
            var end = total - skip;
            skip = Math.Max(0, end - take);
            take = end - skip;
            descending = !descending;
        }

        // The page's ids first, from the sort column's index alone; then only those rows are read.
        var pageIds = Sorted(Matching(db, query, stateByIndex: false, now), query.SortBy, descending).Skip(skip).Take(take).Select(m => m.Id);
        var rows = await Sorted(db.QueuedMessages.AsNoTracking().Where(m => pageIds.Contains(m.Id)), query.SortBy, descending)
            .Select(m => new
            {
                m.Id, m.QueueId, m.State, m.Sender, m.Subject, m.FromHeader, m.Size, m.ReceivedAt, m.NextAttemptAt,
                m.LeaseUntil, m.LeaseOwner, m.ReceivingNode,
                RecipientCount = m.Recipients.Count,
                FirstRecipient = m.Recipients.OrderBy(r => r.Id).Select(r => r.Address).FirstOrDefault(),
                Attempts = m.Recipients.Max(r => (int?)r.AttemptCount) ?? 0,
                // Two scalar subqueries (LIMIT 1 per row over the recipients' MessageId index): projecting both
                // columns as one object makes EF rank every failed recipient in the store (ROW_NUMBER) instead.
                LastErrorCode = m.Recipients.Where(r => r.LastReplyCode >= 400).OrderByDescending(r => r.LastAttemptAt).Select(r => r.LastReplyCode).FirstOrDefault(),
                LastErrorText = m.Recipients.Where(r => r.LastReplyCode >= 400).OrderByDescending(r => r.LastAttemptAt).Select(r => r.LastResponse).FirstOrDefault(),
            })
            .ToListAsync(cancellationToken);
        var page = rows.Select(m => new QueuedMessageSummary(
            m.Id, m.QueueId, m.State, m.Sender, m.Subject, m.FromHeader, m.Size, m.ReceivedAt, m.NextAttemptAt,
            m.RecipientCount, m.FirstRecipient, m.Attempts,
            m.LastErrorCode is null ? null : $"{m.LastErrorCode} {m.LastErrorText}",
            QueueMessageStatuses.Of(m.State, m.LeaseUntil, m.NextAttemptAt, now), m.ReceivingNode,
            m.LeaseUntil > now ? NodeOfLeaseOwner(m.LeaseOwner) : null)).ToList();
        if (reverse)
            page.Reverse();
        return new QueueMessagePage(page, total);
    }

    /// <summary>Lease owners are <c>{node}/{worker}/…</c> (OwnLeaseRecovery): the node is the first part.</summary>
    public static string? NodeOfLeaseOwner(string? owner) => owner is null ? null : owner.Split('/', 2)[0];

    private static IOrderedQueryable<QueuedMessage> Sorted(IQueryable<QueuedMessage> messages, QueueMessageSort sort, bool descending) =>
        (sort, descending) switch
        {
            (QueueMessageSort.Sender, false) => messages.OrderBy(m => m.Sender).ThenBy(m => m.Id),
            (QueueMessageSort.Sender, true) => messages.OrderByDescending(m => m.Sender).ThenByDescending(m => m.Id),
            (QueueMessageSort.Size, false) => messages.OrderBy(m => m.Size).ThenBy(m => m.Id),
            (QueueMessageSort.Size, true) => messages.OrderByDescending(m => m.Size).ThenByDescending(m => m.Id),
            (QueueMessageSort.Subject, false) => messages.OrderBy(m => m.Subject).ThenBy(m => m.Id),
            (QueueMessageSort.Subject, true) => messages.OrderByDescending(m => m.Subject).ThenByDescending(m => m.Id),
            (QueueMessageSort.NextAttemptAt, false) => messages.OrderBy(m => m.NextAttemptAt).ThenBy(m => m.Id),
            (QueueMessageSort.NextAttemptAt, true) => messages.OrderByDescending(m => m.NextAttemptAt).ThenByDescending(m => m.Id),
            (_, false) => messages.OrderBy(m => m.ReceivedAt).ThenBy(m => m.Id),
            _ => messages.OrderByDescending(m => m.ReceivedAt).ThenByDescending(m => m.Id),
        };

    /// <summary><c>%text%</c> with LIKE's wildcards in the text escaped; null for a blank filter.</summary>
    private static string? ContainsPattern(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
            return null;
        var escaped = text.Trim().Replace(LikeEscape, LikeEscape + LikeEscape, StringComparison.Ordinal)
            .Replace("%", LikeEscape + "%", StringComparison.Ordinal)
            .Replace("_", LikeEscape + "_", StringComparison.Ordinal);
        return "%" + escaped + "%";
    }
}
