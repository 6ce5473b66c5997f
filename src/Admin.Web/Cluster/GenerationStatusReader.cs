using Mailflow.Cluster;
using Microsoft.Extensions.Options;

namespace Mailflow.Admin.Web.Cluster;

/// <summary>
/// The newest saved generation and the live nodes' active generations, from the shared
/// <see cref="NodeStatusQuery"/>. A node counts as live while its heartbeat (written on every configuration
/// poll) is younger than three poll intervals; nodes that stopped drop out of the badge instead of showing
/// as forever behind.
/// </summary>
public sealed class GenerationStatusReader(NodeStatusQuery nodes, IOptions<MailflowOptions> options, TimeProvider time)
{
    private static readonly TimeSpan MinimumLiveWindow = TimeSpan.FromSeconds(15);

    public async Task<GenerationStatus> ReadAsync(CancellationToken cancellationToken)
    {
        var window = TimeSpan.FromSeconds(3 * Math.Max(1, options.Value.ConfigPollIntervalSeconds));
        var liveSince = time.GetUtcNow() - (window > MinimumLiveWindow ? window : MinimumLiveWindow);
        var report = await nodes.ReadAsync(cancellationToken);
        return new GenerationStatus(report.LatestGeneration,
            [.. report.Nodes.Where(n => n.IsLiveSince(liveSince)).Select(n => new NodeGeneration(n.Name, n.ActiveGeneration))]);
    }
}
