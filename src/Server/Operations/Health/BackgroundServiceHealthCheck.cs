using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mailflow.Server.Operations.Health;

/// <summary>
/// Ready only while a long-running engine service (queue manager, categorizer) runs: started by the
/// host and its loop not ended. A loop that ended (stopped, or crashed out of its own error handling)
/// means mail stops moving on this node, which a load balancer should know.
/// </summary>
public sealed class BackgroundServiceHealthCheck<TService>(TService service, string displayName) : IHealthCheck
    where TService : BackgroundService
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        var loop = service.ExecuteTask;
        var result = loop switch
        {
            null => HealthCheckResult.Unhealthy($"The {displayName} has not started"),
            { IsFaulted: true } => HealthCheckResult.Unhealthy($"The {displayName} stopped after an error"),
            { IsCompleted: true } => HealthCheckResult.Unhealthy($"The {displayName} stopped"),
            _ => HealthCheckResult.Healthy($"The {displayName} runs"),
        };
        return Task.FromResult(result);
    }
}
