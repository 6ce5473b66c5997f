using Mailflow.Configuration;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Queue;

// The queue list (every queue with counts, status, next retry and why it is stuck) and the queue digest.
public static partial class QueueQueries
{
    /// <summary>
    /// Every delivery queue (next hop) with undelivered recipients of messages waiting for delivery, named from
    /// <paramref name="config"/>, then the Submission and Poison queues when they hold messages (bench/README.md,
    /// "Queue list"). Read so that 100,000 queued messages cost a few index scans, not a join per recipient:
    /// <list type="bullet">
    /// <item>Counts and due: one GROUP BY over the open recipients read from the (NextHopKey, Status, NextRetryAt,
    /// MessageId) index alone, minus the same GROUP BY over the open recipients of messages that are not waiting
    /// for delivery (suspended, quarantined, poison, back in submission — usually few), found from their
    /// message's state. Every (next hop, message) pair belongs to one message, so message counts subtract exactly.</item>
    /// <item>Next retry and the oldest message: per queue, the first index entry whose message is waiting.</item>
    /// <item>"Active" (a delivery under way) starts from the few leased messages ((State, LeaseUntil) index).</item>
    /// <item>The last error: per queue and open status, the newest attempted row of the (NextHopKey, Status,
    /// LastAttemptAt) index walked backwards (a LIMIT 1, not a scan of the queue).</item>
    /// </list>
    /// </summary>
    public static async Task<IReadOnlyList<NextHopQueueSummary>> ListQueuesAsync(MailflowDbContext db, DateTimeOffset now, TransportConfig config, CancellationToken cancellationToken)
    {
        var suspended = (await db.NextHopSuspensions.Select(s => s.NextHopKey).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var categorized = db.QueuedMessages.Where(m => m.State == QueuedMessageState.Categorized);
        // "Not final" written as IsOpen (two inequalities), not as Status IN (…): without statistics SQLite would
        // otherwise answer it from the (Status, NextRetryAt) index and fetch every row for its next hop.
        var open = db.QueuedRecipients.Where(QueuedRecipientFilters.IsOpen).Where(r => r.NextHopKey != null);

        var delivering = (await categorized.Where(m => m.LeaseUntil > now)
                .Join(open, m => m.Id, r => r.MessageId, (m, r) => new { Key = r.NextHopKey!, m.LeaseOwner })
                .Distinct().ToListAsync(cancellationToken))
            .GroupBy(a => a.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)g.Select(a => NodeOfLeaseOwner(a.LeaseOwner)!).Distinct().Order().ToList(), StringComparer.Ordinal);

        var all = await CountPerHop(open, now).ToListAsync(cancellationToken);
        var held = (await CountPerHop(db.QueuedMessages.Where(m => NotWaitingStates.Contains(m.State))
                    .Join(open, m => m.Id, r => r.MessageId, (m, r) => r), now)
                .ToListAsync(cancellationToken))
            .ToDictionary(h => h.Key, StringComparer.Ordinal);
        var waiting = all.Select(h => held.TryGetValue(h.Key, out var x)
                ? h with { Messages = h.Messages - x.Messages, Recipients = h.Recipients - x.Recipients, Due = h.Due - x.Due }
                : h)
            .Where(h => h.Recipients > 0)
            .ToList();

        // The lowest open message id of a queue is its oldest message unless that one is held; then ask the index.
        var lowestIds = waiting.Select(h => h.OldestMessageId).Distinct().ToList();
        var lowest = await db.QueuedMessages.Where(m => lowestIds.Contains(m.Id))
            .Select(m => new { m.Id, m.State, m.QueuedAt }).ToDictionaryAsync(m => m.Id, cancellationToken);

        var queues = new List<NextHopQueueSummary>(waiting.Count + 2);
        foreach (var h in waiting)
        {
            var oldest = lowest.TryGetValue(h.OldestMessageId, out var m) && m.State == QueuedMessageState.Categorized
                ? m.QueuedAt
                : await categorized.Where(x => open.Where(r => r.NextHopKey == h.Key).Select(r => r.MessageId).Contains(x.Id))
                    .OrderBy(x => x.Id).Select(x => (DateTimeOffset?)x.QueuedAt).FirstOrDefaultAsync(cancellationToken);
            var nextRetry = await NextRetryAsync(db, h.Key, categorized, now, cancellationToken);
            var failure = await LastFailureAsync(db, h.Key, categorized, cancellationToken);
            var isDelivering = delivering.TryGetValue(h.Key, out var nodes);
            queues.Add(new NextHopQueueSummary(
                h.Key, h.Messages, h.Recipients,
                suspended.Contains(h.Key) ? NextHopQueueStatus.Suspended
                    : isDelivering ? NextHopQueueStatus.Active
                    : h.Due > 0 ? NextHopQueueStatus.Ready
                    : NextHopQueueStatus.Retry,
                nextRetry,
                failure?.Reply,
                NextHopKey.TryParse(h.Key, out var key) && key.Kind == NextHopKeyKind.Unreachable ? NextHopQueueKind.Unreachable : NextHopQueueKind.Delivery,
                NextHopDisplay.Describe(h.Key, config),
                failure?.At,
                failure?.Attempts ?? 0,
                oldest,
                nodes ?? []));
        }
        queues.Sort((a, b) => string.Compare(a.DisplayName, b.DisplayName, StringComparison.OrdinalIgnoreCase));

        await AddHeldQueueAsync(db, queues, QueuedMessageState.Submitted, NextHopQueueKind.Submission,
            new NextHopName("", null, NextHopDisplay.SubmissionName, "accepted, waiting to be categorized and routed"), cancellationToken);
        await AddHeldQueueAsync(db, queues, QueuedMessageState.Poison, NextHopQueueKind.Poison,
            new NextHopName("", null, "Poison", $"crashed processing {QueuedMessage.PoisonThreshold} times; held until resumed or removed"), cancellationToken);
        return queues;
    }

    /// <summary>
    /// The states whose open recipients the queue list subtracts: all but the one waiting for delivery, and but
    /// Completed, which a message only reaches when every recipient is final (LeaseFencedCommands.ReleaseAsync).
    /// </summary>
    private static readonly QueuedMessageState[] NotWaitingStates =
        Enum.GetValues<QueuedMessageState>().Where(s => s is not (QueuedMessageState.Categorized or QueuedMessageState.Completed)).ToArray();

    private static IQueryable<HopCounts> CountPerHop(IQueryable<QueuedRecipient> recipients, DateTimeOffset now) =>
        recipients.GroupBy(r => r.NextHopKey!).Select(g => new HopCounts(
            g.Key,
            g.Select(r => r.MessageId).Distinct().Count(),
            g.Count(),
            g.Count(r => r.NextRetryAt == null || r.NextRetryAt <= now),
            g.Min(r => r.MessageId)));

    /// <summary>The queue's next retry: per open status, the first future entry of the (NextHopKey, Status, NextRetryAt) index whose message is waiting.</summary>
    private static async Task<DateTimeOffset?> NextRetryAsync(MailflowDbContext db, string key, IQueryable<QueuedMessage> categorized, DateTimeOffset now, CancellationToken cancellationToken)
    {
        DateTimeOffset? next = null;
        foreach (var status in OpenStatuses)
        {
            var at = await db.QueuedRecipients
                .Where(r => r.NextHopKey == key && r.Status == status && r.NextRetryAt > now)
                .Join(categorized, r => r.MessageId, m => m.Id, (r, m) => r)
                .OrderBy(r => r.NextRetryAt)
                .Select(r => r.NextRetryAt)
                .FirstOrDefaultAsync(cancellationToken);
            if (at is not null && (next is null || at < next))
                next = at;
        }
        return next;
    }

    private sealed record HopCounts(string Key, int Messages, int Recipients, int Due, long OldestMessageId);

    private sealed record QueueFailure(string Reply, DateTimeOffset? At, int Attempts);

    /// <summary>The Submission or Poison queue, when it holds messages: counts from the (State, …) index.</summary>
    private static async Task AddHeldQueueAsync(MailflowDbContext db, List<NextHopQueueSummary> queues, QueuedMessageState state, NextHopQueueKind kind, NextHopName name, CancellationToken cancellationToken)
    {
        var messages = db.QueuedMessages.Where(m => m.State == state);
        var count = await messages.CountAsync(cancellationToken);
        if (count == 0)
            return;
        // From the held messages to their recipients ((MessageId, Address) index), not from every open recipient.
        var recipients = await messages.Join(db.QueuedRecipients.Where(QueuedRecipientFilters.IsOpen), m => m.Id, r => r.MessageId, (m, r) => r.Id).CountAsync(cancellationToken);
        var oldest = await messages.OrderBy(m => m.Id).Select(m => (DateTimeOffset?)m.QueuedAt).FirstOrDefaultAsync(cancellationToken);
        queues.Add(new NextHopQueueSummary("", count, recipients,
            kind == NextHopQueueKind.Submission ? NextHopQueueStatus.Ready : NextHopQueueStatus.Suspended, null, null, kind, name, OldestQueuedAt: oldest, DeliveringNodes: []));
    }

    /// <summary>
    /// The latest failure reply among the queue's waiting recipients: per open status, the first failed row of
    /// the (NextHopKey, Status, LastAttemptAt) index walked backwards (a LIMIT 1 each, not a sort of the queue).
    /// </summary>
    private static async Task<QueueFailure?> LastFailureAsync(MailflowDbContext db, string key, IQueryable<QueuedMessage> categorized, CancellationToken cancellationToken)
    {
        QueueFailure? latest = null;
        foreach (var status in OpenStatuses)
        {
            // Only attempted rows: a never-tried recipient has no LastAttemptAt, so the walk stops at the first of them.
            var failure = await db.QueuedRecipients
                .Where(r => r.NextHopKey == key && r.Status == status && r.LastAttemptAt != null && r.LastReplyCode >= 400)
                .Join(categorized, r => r.MessageId, m => m.Id, (r, m) => r)
                .OrderByDescending(r => r.LastAttemptAt)
                .Select(r => new { r.LastReplyCode, r.LastResponse, r.LastAttemptAt, r.AttemptCount })
                .FirstOrDefaultAsync(cancellationToken);
            if (failure is not null && (latest is null || failure.LastAttemptAt > latest.At))
                latest = new QueueFailure($"{failure.LastReplyCode} {failure.LastResponse}", failure.LastAttemptAt, failure.AttemptCount);
        }
        return latest;
    }

    /// <summary>
    /// The queue digest across all nodes: messages by operator status (counted from the (State, NextAttemptAt) and
    /// (State, LeaseUntil) indexes), and per node what it accepted that is still queued and what it is delivering.
    /// </summary>
    public static async Task<QueueDigest> DigestAsync(MailflowDbContext db, DateTimeOffset now, CancellationToken cancellationToken)
    {
        var byState = await db.QueuedMessages.Where(m => m.State != QueuedMessageState.Completed)
            .GroupBy(m => m.State).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        var categorized = db.QueuedMessages.Where(m => m.State == QueuedMessageState.Categorized);
        var active = await categorized.CountAsync(m => m.LeaseUntil > now, cancellationToken);
        var retry = await categorized.CountAsync(m => m.NextAttemptAt > now && (m.LeaseUntil == null || m.LeaseUntil <= now), cancellationToken);
        var counts = Enum.GetValues<QueueMessageStatus>().Where(s => s != QueueMessageStatus.Completed).ToDictionary(s => s, _ => 0);
        foreach (var s in byState)
        {
            switch (s.Key)
            {
                case QueuedMessageState.Categorized:
                    counts[QueueMessageStatus.Active] = active;
                    counts[QueueMessageStatus.Retry] = retry;
                    counts[QueueMessageStatus.Ready] = s.Count - active - retry;
                    break;
                default:
                    counts[QueueMessageStatuses.Of(s.Key, null, null, now)] = s.Count;
                    break;
            }
        }

        var queuedPerNode = await db.QueuedMessages.Where(m => m.State != QueuedMessageState.Completed)
            .GroupBy(m => m.ReceivingNode).Select(g => new { Node = g.Key, Count = g.Count() })
            .ToDictionaryAsync(g => g.Node, g => g.Count, StringComparer.OrdinalIgnoreCase, cancellationToken);
        var leases = await db.QueuedMessages.Where(m => m.LeaseUntil > now && m.LeaseOwner != null).Select(m => m.LeaseOwner!).ToListAsync(cancellationToken);
        var deliveringPerNode = leases.GroupBy(o => NodeOfLeaseOwner(o)!, StringComparer.OrdinalIgnoreCase).ToDictionary(g => g.Key, g => g.Count(), StringComparer.OrdinalIgnoreCase);
        var registered = await db.Nodes.AsNoTracking().Select(n => new { n.Name, n.LastHeartbeat }).ToListAsync(cancellationToken);

        var names = registered.Select(n => n.Name).Concat(queuedPerNode.Keys).Concat(deliveringPerNode.Keys).Distinct(StringComparer.OrdinalIgnoreCase).Order(StringComparer.OrdinalIgnoreCase);
        var nodes = names.Select(name => new QueueDigestNode(name,
                queuedPerNode.GetValueOrDefault(name), deliveringPerNode.GetValueOrDefault(name),
                registered.FirstOrDefault(n => string.Equals(n.Name, name, StringComparison.OrdinalIgnoreCase))?.LastHeartbeat))
            .ToList();
        return new QueueDigest(counts, nodes);
    }
}
