using System.Text.Json;
using Mailflow.Auditing;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Notify;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// The queue operations behind the admin center and the REST API, straight over the store
/// (style: no repository). State changes are single UPDATEs that a worker holding a lease cannot
/// undo: <see cref="QueueStore.ReleaseAsync"/> keeps whatever state it finds (so a message suspended
/// mid-delivery stays suspended), and a removed message's worker finds its writes refused. Each
/// action appends an <see cref="AuditEntry"/> (Generation 0: queue actions are not configuration) in
/// the same transaction, tracks the step, and rings the queue manager.
/// </summary>
public sealed class QueueOperations(
    IDbContextFactory<MailflowDbContext> dbFactory,
    BookkeepingCommitter bookkeeping,
    QueueStore store,
    QueueSignals signals,
    DeliveryNotifier notifier,
    MessageTracker tracker,
    MessageTraceQuery trace,
    TransportConfigProvider config,
    TimeProvider time) : IQueueOperations
{
    private static readonly QueuedMessageState[] Waiting = [QueuedMessageState.Submitted, QueuedMessageState.Categorized];

    public async Task<IReadOnlyList<NextHopQueueSummary>> ListQueuesAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await QueueQueries.ListQueuesAsync(db, time.GetUtcNow(), config.Current, cancellationToken);
    }

    public async Task<QueueDigest> GetDigestAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await QueueQueries.DigestAsync(db, time.GetUtcNow(), cancellationToken);
    }

    public Task<QueueMessagePage> ListMessagesAsync(QueueMessageQuery query, CancellationToken cancellationToken = default) =>
        store.ListMessagesAsync(query, cancellationToken);

    public async Task<int> CountMessagesAsync(QueueMessageFilter filter, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await QueueQueries.CountAsync(db, filter.ToFilter(), cancellationToken, time.GetUtcNow());
    }

    public async Task<QueuedMessageDetails?> GetMessageAsync(string queueId, CancellationToken cancellationToken = default)
    {
        var message = await store.FindAsync(queueId, cancellationToken);
        if (message is null)
            return null;
        return new QueuedMessageDetails(message, await trace.TimelineAsync(queueId, cancellationToken));
    }

    public Task<int> ApplyAsync(AdminActor actor, QueueAction action, IReadOnlyCollection<string> queueIds, CancellationToken cancellationToken = default) => action switch
    {
        QueueAction.RemoveWithNdr => RemoveAsync(actor, queueIds, sendNdr: true, cancellationToken),
        QueueAction.RemoveSilently => RemoveAsync(actor, queueIds, sendNdr: false, cancellationToken),
        _ => ApplySetBasedAsync(actor, db => ById(db, queueIds), action, filter: null, cancellationToken),
    };

    public async Task<int> ApplyToMatchingAsync(AdminActor actor, QueueMessageFilter filter, QueueAction action, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        filter = filter.ToFilter();
        if (action != QueueAction.RemoveWithNdr)
            return await ApplySetBasedAsync(actor, db => QueueQueries.Matching(db, filter, time.GetUtcNow()), action, filter, cancellationToken);

        // Every NDR is a message of its own (built from the original's headers), so this one cannot be a
        // single statement: remove the matching messages a batch at a time, each with its NDR.
        var removed = 0;
        while (true)
        {
            List<string> batch;
            await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
                batch = await QueueQueries.Matching(db, filter, time.GetUtcNow()).OrderBy(m => m.Id).Select(m => m.QueueId).Take(NdrBatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
                return removed;
            var count = await RemoveAsync(actor, batch, sendNdr: true, cancellationToken);
            removed += count;
            if (count == 0)
                return removed;
        }
    }

    /// <summary>Removes messages one by one: each removal's audit names the recipients it leaves undelivered, and the NDR needs the whole message.</summary>
    private async Task<int> RemoveAsync(AdminActor actor, IReadOnlyCollection<string> queueIds, bool sendNdr, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        var removed = 0;
        foreach (var queueId in queueIds.Distinct())
        {
            var message = await store.FindAsync(queueId, cancellationToken);
            if (message is null)
                continue;
            var open = message.Recipients.Where(r => !r.Status.IsFinal()).ToList();
            if (sendNdr)
                await notifier.SendRemovalNdrAsync(message, open, DeliveryReplies.RemovedByAdministrator(), cancellationToken);
            removed += await WriteAsync(async db =>
            {
                var count = await db.QueuedMessages.Where(m => m.Id == message.Id).ExecuteDeleteAsync(cancellationToken);
                Audit(db, actor, AuditAction.Remove, "QueuedMessage", [queueId], new { sendNdr, recipients = open.Select(r => r.Address) });
                return count;
            }, cancellationToken);
            tracker.Track(MessageTrackingEventKind.Remove, message, open.Select(r => r.Address), detail: $"removed by {actor.Name}{(sendNdr ? " with NDR" : " without NDR")}");
        }
        return removed;
    }

    public async Task SuspendQueueAsync(AdminActor actor, string nextHopKey, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        await WriteAsync(async db =>
        {
            if (!await db.NextHopSuspensions.AnyAsync(s => s.NextHopKey == nextHopKey, cancellationToken))
                db.NextHopSuspensions.Add(new NextHopSuspension { NextHopKey = nextHopKey, SuspendedAt = time.GetUtcNow(), SuspendedBy = actor.Name });
            Audit(db, actor, AuditAction.Suspend, "NextHopQueue", [nextHopKey], null);
            return 1;
        }, cancellationToken);
    }

    public async Task<int> ResumeQueueAsync(AdminActor actor, string nextHopKey, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        var changed = await WriteAsync(async db =>
        {
            await db.NextHopSuspensions.Where(s => s.NextHopKey == nextHopKey).ExecuteDeleteAsync(cancellationToken);
            Audit(db, actor, AuditAction.Resume, "NextHopQueue", [nextHopKey], null);
            return await DueNowAsync(db, nextHopKey, cancellationToken);
        }, cancellationToken);
        signals.Signal(QueueEvent.AdminAction);
        return changed;
    }

    public async Task<int> RetryQueueAsync(AdminActor actor, string nextHopKey, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        var changed = await WriteAsync(async db =>
        {
            Audit(db, actor, AuditAction.Retry, "NextHopQueue", [nextHopKey], null);
            return await DueNowAsync(db, nextHopKey, cancellationToken);
        }, cancellationToken);
        signals.Signal(QueueEvent.AdminAction);
        return changed;
    }

    public async Task<Stream?> ExportAsync(AdminActor actor, string queueId, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        var message = await store.FindAsync(queueId, cancellationToken);
        if (message is null)
            return null;
        await WriteAsync(db =>
        {
            Audit(db, actor, AuditAction.Export, "QueuedMessage", [queueId], null);
            return Task.FromResult(1);
        }, cancellationToken);
        return await store.LoadContentAsync(message.Id, cancellationToken);
    }

    /// <summary>Unfinished recipients on the next hop become due now (also undoing a suspension's postponement).</summary>
    private async Task<int> DueNowAsync(MailflowDbContext db, string nextHopKey, CancellationToken cancellationToken)
    {
        var now = time.GetUtcNow();
        var messageIds = await db.QueuedRecipients
            .Where(QueuedRecipientFilters.IsOpen).Where(r => r.NextHopKey == nextHopKey)
            .Select(r => r.MessageId).Distinct().ToListAsync(cancellationToken);
        await db.QueuedRecipients
            .Where(QueuedRecipientFilters.IsOpen).Where(r => r.NextHopKey == nextHopKey)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.NextRetryAt, now), cancellationToken);
        return await db.QueuedMessages.Where(m => messageIds.Contains(m.Id) && m.State == QueuedMessageState.Categorized)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, now), cancellationToken);
    }

    private const int NdrBatchSize = 200;

    private static IQueryable<QueuedMessage> ById(MailflowDbContext db, IReadOnlyCollection<string> queueIds) =>
        db.QueuedMessages.Where(m => queueIds.Contains(m.QueueId));

    /// <summary>
    /// One action on a set of messages as a few set-based statements in one transaction: which messages
    /// change is decided by the store (the selection plus the states the action applies to), not by
    /// rows loaded and updated one by one. Only the trace needs the changed messages' envelopes, read
    /// once before the change. A selection by queue id is audited per message; a filter, as one entry
    /// naming the filter and the count.
    /// </summary>
    private async Task<int> ApplySetBasedAsync(AdminActor actor, Func<MailflowDbContext, IQueryable<QueuedMessage>> select, QueueAction action,
        QueueMessageFilter? filter, CancellationToken cancellationToken)
    {
        Demand(actor);
        var now = time.GetUtcNow();
        List<QueuedMessage> tracked = [];
        var changed = await WriteAsync(async db =>
        {
            var selected = select(db);
            int count;
            switch (action)
            {
                case QueueAction.Suspend:
                    var waiting = selected.Where(m => Waiting.Contains(m.State));
                    tracked = await EnvelopesAsync(waiting, cancellationToken);
                    count = await waiting.ExecuteUpdateAsync(s => s.SetProperty(m => m.State, QueuedMessageState.Suspended).SetProperty(m => m.NextAttemptAt, now), cancellationToken);
                    break;
                case QueueAction.Resume or QueueAction.Release:
                    // Resume also takes a message out of Poison (an admin decided to try it again), with its crash count reset.
                    QueuedMessageState[] from = action == QueueAction.Resume ? [QueuedMessageState.Suspended, QueuedMessageState.Poison] : [QueuedMessageState.Quarantined];
                    var held = selected.Where(m => from.Contains(m.State));
                    tracked = await EnvelopesAsync(held, cancellationToken);
                    // Routed messages go back to delivery; the rest (a recipient without a next hop) to the categorizer.
                    count = await held.Where(m => m.Recipients.Any(r => r.NextHopKey != null)
                                && !m.Recipients.AsQueryable().Where(QueuedRecipientFilters.IsOpen).Any(r => r.NextHopKey == null))
                            .ExecuteUpdateAsync(s => s.SetProperty(m => m.State, QueuedMessageState.Categorized).SetProperty(m => m.NextAttemptAt, now).SetProperty(m => m.CrashCount, 0), cancellationToken)
                        + await held.ExecuteUpdateAsync(s => s.SetProperty(m => m.State, QueuedMessageState.Submitted).SetProperty(m => m.NextAttemptAt, now).SetProperty(m => m.CrashCount, 0), cancellationToken);
                    break;
                case QueueAction.RetryNow:
                    var due = selected.Where(m => Waiting.Contains(m.State));
                    var ids = due.Select(m => m.Id);
                    await db.QueuedRecipients.Where(r => ids.Contains(r.MessageId) && r.Status == QueuedRecipientStatus.TemporaryFailure)
                        .ExecuteUpdateAsync(s => s.SetProperty(r => r.NextRetryAt, now), cancellationToken);
                    if (filter is null)
                        tracked = await due.Select(m => new QueuedMessage { QueueId = m.QueueId }).ToListAsync(cancellationToken);
                    count = await due.ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, now), cancellationToken);
                    break;
                case QueueAction.RemoveSilently:
                    tracked = await EnvelopesAsync(selected, cancellationToken);
                    count = await selected.ExecuteDeleteAsync(cancellationToken);
                    break;
                default:
                    throw new ArgumentOutOfRangeException(nameof(action), action, "Remove with NDR removes one message at a time.");
            }
            var auditAction = action switch
            {
                QueueAction.Suspend => AuditAction.Suspend,
                QueueAction.Resume => AuditAction.Resume,
                QueueAction.Release => AuditAction.Release,
                QueueAction.RetryNow => AuditAction.Retry,
                _ => AuditAction.Remove,
            };
            if (filter is null)
                Audit(db, actor, auditAction, "QueuedMessage", tracked.Select(m => m.QueueId),
                    action == QueueAction.RemoveSilently ? new { sendNdr = false } : null);
            else
                Audit(db, actor, auditAction, "QueuedMessages", [filter.Describe()], new { filter = filter.Describe(), changed = count });
            return count;
        }, cancellationToken);

        var kind = action switch
        {
            QueueAction.Suspend => MessageTrackingEventKind.Suspend,
            QueueAction.Resume => MessageTrackingEventKind.Resume,
            QueueAction.Release => MessageTrackingEventKind.Release,
            QueueAction.RemoveSilently => MessageTrackingEventKind.Remove,
            _ => (MessageTrackingEventKind?)null,
        };
        if (kind is { } k)
            foreach (var message in tracked)
                await tracker.TrackWaitingAsync(k, message, action == QueueAction.RemoveSilently ? $"removed by {actor.Name} without NDR" : $"by {actor.Name}", cancellationToken);
        if (action != QueueAction.RemoveSilently)
            signals.Signal(QueueEvent.AdminAction);
        return changed;
    }

    /// <summary>What the trace records of each message about to change: its envelope, not its content.</summary>
    private static async Task<List<QueuedMessage>> EnvelopesAsync(IQueryable<QueuedMessage> messages, CancellationToken cancellationToken) =>
        (await messages.Select(m => new
        {
            m.Id, m.QueueId, m.Sender, m.Subject, m.MessageIdHeader, m.Size,
            Recipients = m.Recipients.AsQueryable().Where(QueuedRecipientFilters.IsOpen).Select(r => r.Address).ToList(),
        }).ToListAsync(cancellationToken))
        .Select(m => new QueuedMessage
        {
            Id = m.Id, QueueId = m.QueueId, Sender = m.Sender, Subject = m.Subject, MessageIdHeader = m.MessageIdHeader, Size = m.Size,
            Recipients = m.Recipients.Select(a => new QueuedRecipient { Address = a }).ToList(),
        }).ToList();

    private void Audit(MailflowDbContext db, AdminActor actor, AuditAction action, string objectType, IEnumerable<string> ids, object? details)
    {
        foreach (var id in ids)
            db.AuditEntries.Add(new AuditEntry
            {
                At = time.GetUtcNow(),
                Actor = actor.Name,
                Action = action,
                ObjectType = objectType,
                ObjectId = id,
                ObjectName = id,
                After = details is null ? null : JsonSerializer.Serialize(details),
                Generation = 0,
            });
    }

    /// <summary>One admin action (its statements and its audit entry) as a named write of the <see cref="BookkeepingCommitter"/>: one transaction with the stages' bookkeeping.</summary>
    private Task<int> WriteAsync(Func<MailflowDbContext, Task<int>> write, CancellationToken cancellationToken) =>
        bookkeeping.WriteAsync(async (db, batchToken) =>
        {
            var result = await write(db);
            await db.SaveChangesAsync(batchToken);
            return result;
        }, cancellationToken);

    private static void Demand(AdminActor actor)
    {
        if (!actor.CanManageOrganization)
            throw new ConfigurationForbiddenException($"{actor.Name} may not manage the queues (needs the Organization Management role).");
    }
}
