using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Mailflow.Queue;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// Deletes quarantined messages older than the retention (<see cref="QuarantineSettings.RetentionDays"/>)
/// once an hour, without NDRs, through the queue's remove (audited as "quarantine expiry"). Every
/// node may run it: removing a message twice changes nothing.
/// </summary>
public sealed class QuarantineExpiry(
    IDbContextFactory<MailflowDbContext> dbFactory,
    IQueueOperations queue,
    ModerationService moderation,
    TransportConfigProvider config,
    TimeProvider time,
    ILogger<QuarantineExpiry> logger) : BackgroundService
{
    public static readonly AdminActor Actor = new("quarantine expiry", new HashSet<string> { AdminRoles.OrganizationManagement });
    private static readonly TimeSpan Interval = TimeSpan.FromHours(1);
    private const int BatchSize = 200;

    /// <summary>Removes what was held before <paramref name="now"/> minus the retention; returns how many.</summary>
    public async Task<int> DeleteExpiredAsync(DateTimeOffset now, CancellationToken cancellationToken)
    {
        var cutoff = now - TimeSpan.FromDays((config.Current.Protection.Quarantine ?? new QuarantineSettings()).RetentionDays);
        var removed = 0;
        while (true)
        {
            List<string> batch;
            await using (var db = await dbFactory.CreateDbContextAsync(cancellationToken))
                batch = await db.QueuedMessages.AsNoTracking().Where(m => m.State == QueuedMessageState.Quarantined && m.QueuedAt < cutoff)
                    .OrderBy(m => m.Id).Select(m => m.QueueId).Take(BatchSize).ToListAsync(cancellationToken);
            if (batch.Count == 0)
                return removed;
            var count = await queue.ApplyAsync(Actor, QueueAction.RemoveSilently, batch, cancellationToken);
            removed += count;
            if (count == 0)
                return removed;
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        do
        {
            try
            {
                // Moderation requests first: an undecided one owes its sender an NDR, not a silent deletion.
                var rejected = await moderation.ExpireAsync(time.GetUtcNow(), stoppingToken);
                if (rejected > 0)
                    logger.LogInformation("Rejected {Count} held message(s) whose moderation request expired.", rejected);
                var removed = await DeleteExpiredAsync(time.GetUtcNow(), stoppingToken);
                if (removed > 0)
                    logger.LogInformation("Deleted {Count} quarantined message(s) past the retention.", removed);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                logger.LogWarning(exception, "The quarantine cleanup failed; it runs again in an hour.");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
