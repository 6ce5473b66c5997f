using Mailflow.Configuration;
using Mailflow.DomainHealth;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Authentication.DomainHealth;

/// <summary>
/// Checks every accepted domain's DNS again every <see cref="DomainHealthOptions.CheckIntervalMinutes"/>.
/// Every node runs it; a node skips a round when the stored reports are younger than the interval
/// (another node checked them), so a cluster checks about once per interval in all.
/// </summary>
public sealed class DomainHealthWorker(
    DomainHealthChecker checker, DomainHealthService store, TransportConfigProvider config,
    IOptions<DomainHealthOptions> options, TimeProvider time, ILogger<DomainHealthWorker> logger) : BackgroundService
{
    /// <summary>Let the node start (listeners, first snapshot) before asking DNS.</summary>
    private static readonly TimeSpan StartDelay = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromMinutes(Math.Max(1, options.Value.CheckIntervalMinutes));
        try
        {
            await Task.Delay(StartDelay, time, stoppingToken);
            while (!stoppingToken.IsCancellationRequested)
            {
                try
                {
                    await RunIfDueAsync(interval, stoppingToken);
                }
                catch (Exception exception) when (!stoppingToken.IsCancellationRequested)
                {
                    // DNS or the store may be away for a moment (a timeout included); the next round tries again.
                    logger.LogWarning(exception, "Domain health round failed; the next round tries again");
                }
                await Task.Delay(interval, time, stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    /// <returns>Whether a round ran (false: every domain was checked within the interval).</returns>
    public async Task<bool> RunIfDueAsync(TimeSpan interval, CancellationToken cancellationToken)
    {
        var domains = DomainHealthChecker.DomainsOf(config.Current);
        var reports = await store.ListAsync(cancellationToken);
        var due = time.GetUtcNow() - interval + TimeSpan.FromMinutes(1);
        if (domains.All(d => reports.Any(r => string.Equals(r.Domain, d, StringComparison.OrdinalIgnoreCase) && r.CheckedAt > due)))
            return false;
        var checkedNow = await checker.CheckAllAsync(cancellationToken);
        var notOk = checkedNow.Where(r => r.Status != DomainHealthStatus.Ok).Select(r => $"{r.Domain} ({r.Status})").ToList();
        logger.LogInformation("Domain health: {Count} domains checked{Problems}", checkedNow.Count, notOk.Count == 0 ? "" : ", not ok: " + string.Join(", ", notOk));
        return true;
    }
}
