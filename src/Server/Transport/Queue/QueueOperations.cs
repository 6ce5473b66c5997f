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
    SqliteStoreGate gate,
    QueueStore store,
    QueueSignals signals,
    DeliveryNotifier notifier,
    MessageTracker tracker,
    TimeProvider time) : IQueueOperations
{
    private static readonly QueuedMessageState[] Waiting = [QueuedMessageState.Submitted, QueuedMessageState.Categorized];

    public async Task<IReadOnlyList<NextHopQueueSummary>> ListQueuesAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var suspended = (await db.NextHopSuspensions.Select(s => s.NextHopKey).ToListAsync(cancellationToken)).ToHashSet(StringComparer.Ordinal);
        var rows = await db.QueuedRecipients
            .Where(r => r.NextHopKey != null && r.Status != QueuedRecipientStatus.Delivered && r.Status != QueuedRecipientStatus.PermanentFailure)
            .Join(db.QueuedMessages.Where(m => m.State == QueuedMessageState.Categorized), r => r.MessageId, m => m.Id,
                (r, m) => new { Key = r.NextHopKey!, r.MessageId, r.NextRetryAt, r.LastResponse, r.LastReplyCode, r.LastAttemptAt, m.LeaseUntil })
            .ToListAsync(cancellationToken);
        return rows.GroupBy(r => r.Key).Select(g =>
        {
            var due = g.Any(r => r.NextRetryAt is null || r.NextRetryAt <= now);
            var status = suspended.Contains(g.Key) ? NextHopQueueStatus.Suspended
                : g.Any(r => r.LeaseUntil > now) ? NextHopQueueStatus.Active
                : due ? NextHopQueueStatus.Ready
                : NextHopQueueStatus.Retry;
            var lastError = g.Where(r => r.LastReplyCode >= 400).OrderByDescending(r => r.LastAttemptAt).FirstOrDefault();
            return new NextHopQueueSummary(g.Key, g.Select(r => r.MessageId).Distinct().Count(), g.Count(), status,
                g.Where(r => r.NextRetryAt > now).Select(r => r.NextRetryAt).Min(),
                lastError is null ? null : $"{lastError.LastReplyCode} {lastError.LastResponse}");
        }).OrderBy(q => q.NextHopKey, StringComparer.Ordinal).ToList();
    }

    public Task<QueueMessagePage> ListMessagesAsync(QueueMessageQuery query, CancellationToken cancellationToken = default) =>
        store.ListMessagesAsync(query, cancellationToken);

    public async Task<QueuedMessageDetails?> GetMessageAsync(string queueId, CancellationToken cancellationToken = default)
    {
        var message = await store.FindAsync(queueId, cancellationToken);
        if (message is null)
            return null;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var events = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.QueueId == queueId)
            .OrderBy(e => e.Time).ThenBy(e => e.Id).ToListAsync(cancellationToken);
        return new QueuedMessageDetails(message, events);
    }

    public Task<int> SuspendAsync(AdminActor actor, IReadOnlyCollection<string> queueIds, CancellationToken cancellationToken = default) =>
        ChangeStateAsync(actor, queueIds, AuditAction.Suspend, MessageTrackingEventKind.Suspend, Waiting, _ => QueuedMessageState.Suspended, cancellationToken);

    public Task<int> ResumeAsync(AdminActor actor, IReadOnlyCollection<string> queueIds, CancellationToken cancellationToken = default) =>
        ChangeStateAsync(actor, queueIds, AuditAction.Resume, MessageTrackingEventKind.Resume, [QueuedMessageState.Suspended], Resumed, cancellationToken);

    public Task<int> ReleaseFromQuarantineAsync(AdminActor actor, IReadOnlyCollection<string> queueIds, CancellationToken cancellationToken = default) =>
        ChangeStateAsync(actor, queueIds, AuditAction.Release, MessageTrackingEventKind.Release, [QueuedMessageState.Quarantined], Resumed, cancellationToken);

    public async Task<int> RetryNowAsync(AdminActor actor, IReadOnlyCollection<string> queueIds, CancellationToken cancellationToken = default)
    {
        Demand(actor);
        var now = time.GetUtcNow();
        var changed = await WriteAsync(async db =>
        {
            var messages = await db.QueuedMessages.Where(m => queueIds.Contains(m.QueueId) && Waiting.Contains(m.State)).Select(m => new { m.Id, m.QueueId }).ToListAsync(cancellationToken);
            var ids = messages.Select(m => m.Id).ToList();
            await db.QueuedRecipients.Where(r => ids.Contains(r.MessageId) && r.Status == QueuedRecipientStatus.TemporaryFailure)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.NextRetryAt, now), cancellationToken);
            await db.QueuedMessages.Where(m => ids.Contains(m.Id)).ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, now), cancellationToken);
            Audit(db, actor, AuditAction.Retry, "QueuedMessage", messages.Select(m => m.QueueId), null);
            return messages.Count;
        }, cancellationToken);
        signals.Signal(QueueEvent.AdminAction);
        return changed;
    }

    public async Task<int> RemoveAsync(AdminActor actor, IReadOnlyCollection<string> queueIds, bool sendNdr, CancellationToken cancellationToken = default)
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
                await notifier.SendRemovalNdrAsync(message, open, DeliveryReplies.RemovedByAdministrator(actor.Name), cancellationToken);
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
            .Where(r => r.NextHopKey == nextHopKey && r.Status != QueuedRecipientStatus.Delivered && r.Status != QueuedRecipientStatus.PermanentFailure)
            .Select(r => r.MessageId).Distinct().ToListAsync(cancellationToken);
        await db.QueuedRecipients
            .Where(r => r.NextHopKey == nextHopKey && r.Status != QueuedRecipientStatus.Delivered && r.Status != QueuedRecipientStatus.PermanentFailure)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.NextRetryAt, now), cancellationToken);
        return await db.QueuedMessages.Where(m => messageIds.Contains(m.Id) && m.State == QueuedMessageState.Categorized)
            .ExecuteUpdateAsync(s => s.SetProperty(m => m.NextAttemptAt, now), cancellationToken);
    }

    /// <summary>Resumed or released messages go back to delivery when routed already, else to the categorizer.</summary>
    private static QueuedMessageState Resumed(QueuedMessage message) =>
        message.Recipients.Where(r => !r.Status.IsFinal()).All(r => r.NextHopKey is not null) && message.Recipients.Any(r => r.NextHopKey is not null)
            ? QueuedMessageState.Categorized
            : QueuedMessageState.Submitted;

    private async Task<int> ChangeStateAsync(
        AdminActor actor, IReadOnlyCollection<string> queueIds, AuditAction action, MessageTrackingEventKind kind,
        QueuedMessageState[] from, Func<QueuedMessage, QueuedMessageState> to, CancellationToken cancellationToken)
    {
        Demand(actor);
        var now = time.GetUtcNow();
        var changed = new List<QueuedMessage>();
        await WriteAsync(async db =>
        {
            var messages = await db.QueuedMessages.Include(m => m.Recipients)
                .Where(m => queueIds.Contains(m.QueueId) && from.Contains(m.State)).ToListAsync(cancellationToken);
            foreach (var message in messages)
            {
                var state = to(message);
                await db.QueuedMessages.Where(m => m.Id == message.Id && from.Contains(m.State))
                    .ExecuteUpdateAsync(s => s.SetProperty(m => m.State, state).SetProperty(m => m.NextAttemptAt, now), cancellationToken);
                changed.Add(message);
            }
            Audit(db, actor, action, "QueuedMessage", changed.Select(m => m.QueueId), null);
            return changed.Count;
        }, cancellationToken);
        foreach (var message in changed)
            tracker.Track(kind, message, detail: $"by {actor.Name}");
        signals.Signal(QueueEvent.AdminAction);
        return changed.Count;
    }

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

    private async Task<int> WriteAsync(Func<MailflowDbContext, Task<int>> write, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using (await gate.EnterWriteAsync(db, cancellationToken))
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var result = await write(db);
            await db.SaveChangesAsync(cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            return result;
        }
    }

    private static void Demand(AdminActor actor)
    {
        if (!actor.CanManageOrganization)
            throw new ConfigurationForbiddenException($"{actor.Name} may not manage the queues (needs the Organization Management role).");
    }
}
