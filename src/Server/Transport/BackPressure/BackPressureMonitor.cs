using System.Diagnostics;
using Mailflow.Cluster;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.BackPressure;

/// <summary>Where the monitor samples (<c>Mailflow:BackPressure</c>); the thresholds are organization settings.</summary>
public sealed class BackPressureOptions
{
    public const string Section = "Mailflow:BackPressure";

    /// <summary>How often the resources are sampled.</summary>
    public int SampleIntervalMilliseconds { get; set; } = 5000;

    /// <summary>How long the backlog query may take before the database counts as unreachable.</summary>
    public int DatabaseTimeoutMilliseconds { get; set; } = 5000;
}

/// <summary>
/// Exchange's resource monitor: a background loop, off the SMTP hot path, samples the data directory's
/// free disk space, the database (the Submission backlog query doubles as the reachability check),
/// the process's memory and the Submission backlog, and keeps the node's <see cref="BackPressureState"/>.
/// The <see cref="BackPressureAgent"/> reads it at MAIL FROM; the dashboard shows it. Every change of
/// level is logged with the reason.
/// </summary>
public sealed class BackPressureMonitor(
    TransportConfigProvider config,
    IDbContextFactory<MailflowDbContext> dbFactory,
    IOptions<MailflowOptions> mailflow,
    IOptions<BackPressureOptions> options,
    TimeProvider time,
    ILogger<BackPressureMonitor> logger) : BackgroundService, IBackPressureStatus
{
    private readonly Dictionary<BackPressureResource, BackPressureLevel> _levels = [];
    private volatile BackPressureState _current = BackPressureState.Unmeasured(time.GetUtcNow());

    public BackPressureState Current => _current;

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMilliseconds(Math.Max(50, options.Value.SampleIntervalMilliseconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await SampleOnceAsync(stoppingToken);
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                BackPressureLog.SampleFailed(logger, exception);
            }
            await Task.Delay(interval, time, stoppingToken);
        }
    }

    /// <summary>Takes one sample and updates <see cref="Current"/>.</summary>
    public async Task SampleOnceAsync(CancellationToken cancellationToken)
    {
        var settings = config.Current.Organization;
        var now = time.GetUtcNow();
        if (!settings.BackPressureEnabled)
        {
            _levels.Clear();
            Publish(BackPressureState.Unmeasured(now) with { SampledAt = now });
            return;
        }
        var sample = new BackPressureSample(DiskFree(), true, MemoryPercent(), null);
        var backlog = await SubmissionBacklogAsync(cancellationToken);
        sample = sample with { DatabaseReachable = backlog is not null, SubmissionBacklog = backlog };
        var readings = BackPressureEvaluator.Evaluate(sample, settings, _levels);
        foreach (var reading in readings)
            _levels[reading.Resource] = reading.Level;
        var level = readings.Count == 0 ? BackPressureLevel.Normal : readings.Max(r => r.Level);
        var previous = _current;
        var since = previous.Level == level && previous.SampledAt is not null ? previous.Since : now;
        Publish(new BackPressureState(level, readings, since, now));
    }

    private void Publish(BackPressureState state)
    {
        var previous = _current;
        _current = state;
        if (previous.Level == state.Level)
            return;
        if (state.Level == BackPressureLevel.Normal)
            BackPressureLog.Recovered(logger, previous.Level, string.Join("; ", state.Readings.Select(r => r.Description)));
        else
            BackPressureLog.LevelChanged(logger, previous.Level, state.Level, state.Why);
    }

    private long? DiskFree()
    {
        try
        {
            // statvfs of the directory itself: the file system the store and the queue live on.
            return new DriveInfo(mailflow.Value.ResolvedDataDirectory).AvailableFreeSpace;
        }
        catch (Exception exception) when (exception is IOException or UnauthorizedAccessException or ArgumentException)
        {
            return null;
        }
    }

    private static double? MemoryPercent()
    {
        var available = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        if (available <= 0)
            return null;
        using var process = Process.GetCurrentProcess();
        return process.WorkingSet64 * 100.0 / available;
    }

    /// <summary>The Submission backlog, or null when the store did not answer in time.</summary>
    private async Task<int?> SubmissionBacklogAsync(CancellationToken cancellationToken)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(options.Value.DatabaseTimeoutMilliseconds);
        try
        {
            await using var db = await dbFactory.CreateDbContextAsync(limit.Token);
            return await db.QueuedMessages.AsNoTracking().CountAsync(m => m.State == QueuedMessageState.Submitted, limit.Token);
        }
        catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
        {
            BackPressureLog.DatabaseUnreachable(logger, exception.GetType().Name);
            return null;
        }
    }
}
