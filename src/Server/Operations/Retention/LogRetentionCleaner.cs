using System.Linq.Expressions;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Hosting;
using Mailflow.Server.Transport.Receive.Directory;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Operations.Retention;

/// <summary><c>Mailflow:LogRetention</c>: how often the cleaner runs. The limits themselves are admin-managed (operations settings).</summary>
public sealed class LogRetentionOptions
{
    public const string Section = "Mailflow:LogRetention";

    public double IntervalMinutes { get; set; } = 60;

    /// <summary>Rows deleted per statement, so a first cleanup of years of tracking never holds one huge transaction.</summary>
    public int BatchSize { get; set; } = 10_000;

    /// <summary>Completed messages deleted per statement: each takes its content (about 8 KB) and recipients with it, so fewer than tracking rows.</summary>
    public int MessageBatchSize { get; set; } = 1_000;
}

/// <summary>What one cleanup removed.</summary>
public sealed record LogRetentionResult(int ProtocolLogFiles, int TrackingEvents, int Alerts, int CompletedMessages = 0);

/// <summary>
/// Applies the admin-managed log retention (<see cref="LogRetentionSettings"/>, Exchange's 30 days by default) every
/// <see cref="LogRetentionOptions.IntervalMinutes"/>: this node's protocol log files (RECV and SEND) by age and size per
/// kind, the message tracking events (shared by every node) by age and by count, cleared alerts by age, and completed
/// messages (with their content and recipients) by the age of their last change. A limit of 0 is no limit (the
/// completed-message limit has no 0: it always applies). Running on several nodes at once is harmless: each delete only removes what is past the limit.
/// </summary>
public sealed class LogRetentionCleaner(
    TransportConfigProvider config,
    IDbContextFactory<MailflowDbContext> dbFactory,
    IOptions<MailflowOptions> mailflow,
    IOptions<LogRetentionOptions> options,
    TimeProvider time,
    ILogger<LogRetentionCleaner> logger) : PeriodicWorker(time)
{
    protected override TimeSpan Interval => TimeSpan.FromMinutes(Math.Max(0.001, options.Value.IntervalMinutes));

    protected override Task RunOnceAsync(CancellationToken stoppingToken) => CleanOnceAsync(stoppingToken);

    protected override void OnStepFailed(Exception exception) => logger.LogWarning(exception, "Log retention cleanup failed; trying again at the next interval");

    public async Task<LogRetentionResult> CleanOnceAsync(CancellationToken cancellationToken)
    {
        var limits = config.Current.Operations.LogRetention ?? new LogRetentionSettings();
        var now = Time.GetUtcNow();
        var directory = FileProtocolLog.DirectoryOf(mailflow.Value);
        var files = 0;
        foreach (var prefix in new[] { FileProtocolLog.ReceivePrefix, FileProtocolLog.SendPrefix })
            files += ProtocolLogRetention.Prune(directory, prefix, FileProtocolLog.FileNameFor(now, prefix), limits, now);

        var batch = Math.Max(100, options.Value.BatchSize);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var events = 0;
        if (limits.TrackingLogMaxAgeDays > 0)
        {
            var before = now.AddDays(-limits.TrackingLogMaxAgeDays);
            events += await DeleteInBatchesAsync(() => db.MessageTrackingEvents.Where(e => e.Time < before).OrderBy(e => e.Id).Select(e => e.Id).Take(batch).ToListAsync(cancellationToken),
                ids => db.MessageTrackingEvents.Where(e => ids.Contains(e.Id)).ExecuteDeleteAsync(cancellationToken));
        }
        if (limits.TrackingLogMaxEvents > 0)
        {
            // The newest MaxEvents stay: everything below the id of the oldest of them goes.
            var keepFrom = await db.MessageTrackingEvents.OrderByDescending(e => e.Id).Skip(limits.TrackingLogMaxEvents - 1).Select(e => (long?)e.Id).FirstOrDefaultAsync(cancellationToken);
            if (keepFrom is { } floor)
                events += await DeleteInBatchesAsync(() => db.MessageTrackingEvents.Where(e => e.Id < floor).OrderBy(e => e.Id).Select(e => e.Id).Take(batch).ToListAsync(cancellationToken),
                    ids => db.MessageTrackingEvents.Where(e => ids.Contains(e.Id)).ExecuteDeleteAsync(cancellationToken));
        }
        var alerts = 0;
        if (limits.AlertHistoryMaxAgeDays > 0)
        {
            var before = now.AddDays(-limits.AlertHistoryMaxAgeDays);
            alerts = await db.Alerts.Where(a => a.ClearedAt != null && a.ClearedAt < before).ExecuteDeleteAsync(cancellationToken);
        }
        var messages = 0;
        if (limits.CompletedMessageDays > 0)
        {
            var purgeable = Purgeable(now.AddDays(-limits.CompletedMessageDays), now);
            var messageBatch = Math.Max(10, options.Value.MessageBatchSize);
            // The delete repeats the whole condition: a message re-opened or claimed since the select is left alone.
            // Content and recipient rows go with the message (cascade, as for an administrator's remove).
            messages = await DeleteInBatchesAsync(() => db.QueuedMessages.Where(purgeable).OrderBy(m => m.Id).Select(m => m.Id).Take(messageBatch).ToListAsync(cancellationToken),
                ids => db.QueuedMessages.Where(purgeable).Where(m => ids.Contains(m.Id)).ExecuteDeleteAsync(cancellationToken));
        }
        if (files + events + alerts + messages > 0)
            logger.LogInformation("Log retention removed {Files} protocol log files, {Events} tracking events, {Alerts} cleared alerts and {Messages} completed messages",
                files, events, alerts, messages);
        return new LogRetentionResult(files, events, alerts, messages);
    }

    /// <summary>
    /// A completed message no one holds, whose every recipient is final (<see cref="QueuedRecipientFilters.IsOpen"/>
    /// negated) and whose last change (queued, last attempt, final DSN decision) is before <paramref name="before"/>.
    /// Quarantined, suspended and poison messages are never Completed, so never purged here.
    /// </summary>
    private static Expression<Func<QueuedMessage, bool>> Purgeable(DateTimeOffset before, DateTimeOffset now) =>
        m => m.State == QueuedMessageState.Completed
             && m.QueuedAt < before
             && (m.LeaseUntil == null || m.LeaseUntil < now)
             && !m.Recipients.AsQueryable().Where(QueuedRecipientFilters.IsOpen).Any()
             && !m.Recipients.Any(r => r.LastAttemptAt >= before || r.FinalNotifiedAt >= before);

    private static async Task<int> DeleteInBatchesAsync(Func<Task<List<long>>> nextBatch, Func<List<long>, Task<int>> delete)
    {
        var total = 0;
        while (true)
        {
            var ids = await nextBatch();
            if (ids.Count == 0)
                return total;
            var deleted = await delete(ids);
            // Nothing deleted although rows were selected (another node got there, or they no longer qualify): stop, try again next run.
            if (deleted == 0)
                return total;
            total += deleted;
        }
    }
}
