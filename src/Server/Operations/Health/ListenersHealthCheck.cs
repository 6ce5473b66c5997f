using Mailflow.Cluster;
using Mailflow.Server.Transport.Receive;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Operations.Health;

/// <summary>
/// Ready only when the receive engine has applied the connectors of a configuration generation and
/// every enabled binding listens (a port in use or an address not on this machine makes the node
/// not ready, and the description names the binding). With SMTP switched off there is nothing to bind.
/// </summary>
public sealed class ListenersHealthCheck(ReceiveEngine engine, ListenerBindReport bindReport, IOptions<SmtpOptions> smtp) : IHealthCheck
{
    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (!smtp.Value.Enabled)
            return Task.FromResult(HealthCheckResult.Healthy("SMTP is switched off (Mailflow:Smtp:Enabled=false)"));
        if (engine.Host is null || engine.AppliedGeneration < 0)
            return Task.FromResult(HealthCheckResult.Unhealthy("The receive connectors are not applied yet"));
        var failures = bindReport.Failures;
        if (failures.Count > 0)
            return Task.FromResult(HealthCheckResult.Unhealthy(
                "Not listening: " + string.Join(", ", failures.Select(f => $"{f.ConnectorName} on {f.Binding} ({f.Reason})"))));
        return Task.FromResult(HealthCheckResult.Healthy($"Receive connectors of generation {engine.AppliedGeneration} listen"));
    }
}
