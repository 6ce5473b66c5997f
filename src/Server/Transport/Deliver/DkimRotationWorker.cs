using Mailflow.Configuration;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Deliver;

/// <summary>DKIM key rotation settings of the node (<c>Mailflow:Dkim</c>).</summary>
public sealed class DkimRotationOptions
{
    public const string Section = "Mailflow:Dkim";

    /// <summary>How often pending keys are looked up in DNS and schedules and overlaps are checked.</summary>
    public int CheckIntervalSeconds { get; set; } = 300;

    /// <summary>
    /// How long a replaced key stays published (and kept) after it stopped signing. Messages are signed
    /// at each delivery attempt, so the key must outlive the attempts that were signing when it was
    /// replaced and the receivers that verify later (forwarders, DMARC reports): a week by default.
    /// </summary>
    public double OverlapHours { get; set; } = 168;
}

/// <summary>
/// Drives DKIM key rotation on this node (<see cref="DkimKeyRotation"/>): a pending key starts signing
/// once DNS serves its record, a retiring key is retired after the overlap, and a key whose schedule
/// is due gets a pending successor. Every node runs it; the configuration's revision check lets only
/// one node's change through, and the others find nothing left to do on their next round.
/// </summary>
public sealed class DkimRotationWorker(
    DkimKeyService keys,
    DkimKeyRotation rotation,
    IDkimDnsCheck dns,
    IOptions<DkimRotationOptions> options,
    TimeProvider time,
    ILogger<DkimRotationWorker> logger) : BackgroundService
{
    private readonly SemaphoreSlim _round = new(1, 1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, options.Value.CheckIntervalSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
                await Task.Delay(interval, time, stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                // The store may be down for a moment; the next round tries again.
                logger.LogWarning(exception, "DKIM key rotation round failed");
                await Task.Delay(interval, time, stoppingToken).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
            }
        }
    }

    /// <summary>One round: promote published pending keys, retire keys past their overlap, start scheduled rotations.</summary>
    public async Task RunOnceAsync(CancellationToken cancellationToken)
    {
        await _round.WaitAsync(cancellationToken);
        try
        {
            var all = await keys.ListAsync(cancellationToken);
            var now = time.GetUtcNow();
            foreach (var pending in all.Where(k => k.Lifecycle == DkimKeyLifecycle.Pending))
            {
                var check = await dns.CheckAsync(pending, cancellationToken);
                if (check.IsPublished)
                    await TryAsync(pending, "start signing", () => rotation.PromoteAsync(AdminActor.System, pending.Id, pending.Revision, cancellationToken));
                else
                    logger.LogInformation("DKIM key {Record} waits for DNS: {Explanation}", pending.DnsRecordName, check.Explanation);
            }
            var overlap = TimeSpan.FromHours(Math.Max(0, options.Value.OverlapHours));
            foreach (var retiring in all.Where(k => DkimKeyRotation.IsDueForRetirement(k, overlap, now)))
                await TryAsync(retiring, "retire", () => rotation.RetireAsync(AdminActor.System, retiring.Id, retiring.Revision, cancellationToken));
            foreach (var domain in all.Where(k => DkimKeyRotation.IsDueForRotation(k, all, now)).Select(k => k.Domain).Distinct())
                await TryAsync(all.First(k => k.Domain == domain), "rotate", () => rotation.StartAsync(AdminActor.System, domain, cancellationToken));
        }
        finally
        {
            _round.Release();
        }
    }

    private async Task TryAsync(DkimSigningKey key, string what, Func<Task> change)
    {
        try
        {
            await change();
        }
        catch (Exception exception) when (exception is ConfigurationConflictException or ConfigurationValidationException or ConfigurationNotFoundException)
        {
            // Another node (or an admin) changed the key meanwhile: the next round sees the new state.
            logger.LogInformation("DKIM key {Record}: could not {What} now: {Reason}", key.DnsRecordName, what, exception.Message);
        }
    }
}
