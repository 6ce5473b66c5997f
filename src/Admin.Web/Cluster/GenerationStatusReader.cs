using Mailflow.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Mailflow.Admin.Web.Cluster;

/// <summary>
/// Reads the newest saved generation and the live nodes' active generations from the store. A node
/// counts as live while its heartbeat (written on every configuration poll) is younger than three poll
/// intervals; nodes that stopped drop out of the badge instead of showing as forever behind.
/// </summary>
public sealed class GenerationStatusReader(
    IDbContextFactory<MailflowDbContext> dbFactory,
    IOptions<MailflowOptions> options,
    TimeProvider time)
{
    private static readonly TimeSpan MinimumLiveWindow = TimeSpan.FromSeconds(15);

    public async Task<GenerationStatus> ReadAsync(CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromSeconds(3 * Math.Max(1, options.Value.ConfigPollIntervalSeconds));
        var liveSince = time.GetUtcNow() - (window > MinimumLiveWindow ? window : MinimumLiveWindow);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var latest = await db.ConfigurationGenerations.MaxAsync(g => (long?)g.Number, cancellationToken) ?? 0;
        var nodes = await db.Nodes.AsNoTracking()
            .Where(n => n.LastHeartbeat >= liveSince)
            .OrderBy(n => n.Name)
            .Select(n => new NodeGeneration(n.Name, n.ActiveGeneration))
            .ToListAsync(cancellationToken);
        return new GenerationStatus(latest, nodes);
    }
}
