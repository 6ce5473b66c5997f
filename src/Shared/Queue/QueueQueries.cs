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
public static class QueueQueries
{
    public const int MaxPageSize = 500;

    private const string LikeEscape = "\\";
    private static readonly QueuedRecipientStatus[] OpenStatuses = [QueuedRecipientStatus.Scheduled, QueuedRecipientStatus.TemporaryFailure];

    /// <summary>The messages the filter selects (untracked; also the target of filter-wide updates and deletes).</summary>
    public static IQueryable<QueuedMessage> Matching(MailflowDbContext db, QueueMessageFilter filter) =>
        Matching(db, filter, stateByIndex: true);

    /// <param name="stateByIndex">
    /// False keeps SQLite from answering the state filter with the (State, NextAttemptAt) index. Without
    /// statistics SQLite takes every equality on an indexed column for a selective one, and would then
    /// sort all 85,000 waiting messages to show 50 of them, where walking the sort column's index and
    /// skipping other states reads ~60 rows. PostgreSQL has statistics and chooses on its own.
    /// </param>
    private static IQueryable<QueuedMessage> Matching(MailflowDbContext db, QueueMessageFilter filter, bool stateByIndex)
    {
        var postgres = db.Database.IsNpgsql();
        var messages = db.QueuedMessages.AsNoTracking();
        if (filter.State is { } state)
            messages = stateByIndex || postgres
                ? messages.Where(m => m.State == state)
                : messages.Where(m => EF.Functions.Collate(m.State, "NOCASE") == state);
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

    public static Task<int> CountAsync(MailflowDbContext db, QueueMessageFilter filter, CancellationToken cancellationToken) =>
        Matching(db, filter).CountAsync(cancellationToken);

    /// <summary>One page of the viewer and the number of messages matching its filter.</summary>
    public static async Task<QueueMessagePage> ListAsync(MailflowDbContext db, QueueMessageQuery query, CancellationToken cancellationToken)
    {
        var total = await CountAsync(db, query, cancellationToken);
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
        var pageIds = Sorted(Matching(db, query, stateByIndex: false), query.SortBy, descending).Skip(skip).Take(take).Select(m => m.Id);
        var rows = await Sorted(db.QueuedMessages.AsNoTracking().Where(m => pageIds.Contains(m.Id)), query.SortBy, descending)
            .Select(m => new
            {
                m.Id, m.QueueId, m.State, m.Sender, m.Subject, m.FromHeader, m.Size, m.ReceivedAt, m.NextAttemptAt,
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
            m.LastErrorCode is null ? null : $"{m.LastErrorCode} {m.LastErrorText}")).ToList();
        if (reverse)
            page.Reverse();
        return new QueueMessagePage(page, total);
    }

    /// <summary>
    /// Every delivery queue (next hop) with undelivered recipients of messages waiting for delivery:
    /// counts, status, next retry and the latest failure (bench/README.md, "Queue list"):
    /// <list type="bullet">
    /// <item>Counts, due and next retry: one GROUP BY over the open recipients joined to their message's
    /// state, the recipient side answered by the (NextHopKey, Status, NextRetryAt, MessageId) index.</item>
    /// <item>"Active" (a delivery under way) starts from the few leased messages ((State, LeaseUntil) index).</item>
    /// <item>The last error: per queue and open status, the first failed row of the (NextHopKey, Status,
    /// LastAttemptAt) index walked backwards (a LIMIT 1, not a scan of the queue).</item>
    /// </list>
    /// The join still visits every open recipient; at 100,000 messages this is the viewer's slowest read.
    /// </summary>
    public static async Task<IReadOnlyList<NextHopQueueSummary>> ListQueuesAsync(MailflowDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var suspended = (await db.NextHopSuspensions.Select(s => s.NextHopKey).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var categorized = db.QueuedMessages.Where(m => m.State == QueuedMessageState.Categorized);
        var open = db.QueuedRecipients.Where(r => OpenStatuses.Contains(r.Status));

        var active = (await categorized.Where(m => m.LeaseUntil > now)
                .Join(open, m => m.Id, r => r.MessageId, (m, r) => r.NextHopKey)
                .Where(k => k != null).Distinct().ToListAsync(cancellationToken))
            .ToHashSet(StringComparer.Ordinal);

        // One GROUP BY over the open recipients joined to their message's state; the recipient side is read from the
        // (NextHopKey, Status, NextRetryAt, MessageId) index alone (no row fetches for the retry time or the lease).
        var groups = await open.Where(r => r.NextHopKey != null)
            .Join(categorized, r => r.MessageId, m => m.Id, (r, m) => new { Key = r.NextHopKey!, r.MessageId, r.NextRetryAt })
            .GroupBy(r => r.Key).Select(g => new
            {
                g.Key,
                Messages = g.Select(r => r.MessageId).Distinct().Count(),
                Recipients = g.Count(),
                Due = g.Count(r => r.NextRetryAt == null || r.NextRetryAt <= now),
                NextRetryAt = g.Where(r => r.NextRetryAt > now).Min(r => r.NextRetryAt),
            })
            .ToListAsync(cancellationToken);

        var queues = new List<NextHopQueueSummary>(groups.Count);
        foreach (var g in groups.OrderBy(g => g.Key, StringComparer.Ordinal))
            queues.Add(new NextHopQueueSummary(
                g.Key, g.Messages, g.Recipients,
                suspended.Contains(g.Key) ? NextHopQueueStatus.Suspended
                    : active.Contains(g.Key) ? NextHopQueueStatus.Active
                    : g.Due > 0 ? NextHopQueueStatus.Ready
                    : NextHopQueueStatus.Retry,
                g.NextRetryAt,
                await LastErrorAsync(db, g.Key, categorized, cancellationToken)));
        return queues;
    }

    /// <summary>
    /// The latest failure reply among the queue's waiting recipients: per open status, the first failed row of
    /// the (NextHopKey, Status, LastAttemptAt) index walked backwards (a LIMIT 1 each, not a sort of the queue).
    /// </summary>
    private static async Task<string?> LastErrorAsync(MailflowDbContext db, string key, IQueryable<QueuedMessage> categorized, CancellationToken cancellationToken)
    {
        (int? Code, string? Text, DateTimeOffset? At)? latest = null;
        foreach (var status in OpenStatuses)
        {
            var failure = await db.QueuedRecipients
                .Where(r => r.NextHopKey == key && r.Status == status && r.LastReplyCode >= 400)
                .Join(categorized, r => r.MessageId, m => m.Id, (r, m) => r)
                .OrderByDescending(r => r.LastAttemptAt)
                .Select(r => new { r.LastReplyCode, r.LastResponse, r.LastAttemptAt })
                .FirstOrDefaultAsync(cancellationToken);
            if (failure is not null && (latest is null || failure.LastAttemptAt > latest.Value.At))
                latest = (failure.LastReplyCode, failure.LastResponse, failure.LastAttemptAt);
        }
        return latest is { } f ? $"{f.Code} {f.Text}" : null;
    }

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
