using Mailflow.Cluster;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mailflow.Server.Cluster;

/// <summary>
/// The <c>drain</c> readiness check (tag <c>ready</c>): Unhealthy while the node drains or is drained, so
/// a load balancer that probes readiness stops sending it connections before SMTP clients see the 421.
/// </summary>
public sealed class NodeDrainHealthCheck(INodeDrainState drain) : IHealthCheck
{
    public const string Name = "drain";
    public const string ReadyTag = "ready";

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default) =>
        Task.FromResult(drain.Phase switch
        {
            NodeDrainPhase.Active => HealthCheckResult.Healthy("accepting mail"),
            NodeDrainPhase.Draining => HealthCheckResult.Unhealthy("draining: new sessions are refused, work in flight finishes"),
            _ => HealthCheckResult.Unhealthy("drained: maintenance mode"),
        });
}
