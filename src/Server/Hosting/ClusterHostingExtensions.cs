using Mailflow.Server.Cluster;

namespace Mailflow.Server.Hosting;

public static class ClusterHostingExtensions
{
    /// <summary>
    /// A node among others on one store: takeover of a silent node's leases, draining (maintenance mode)
    /// with its <c>drain</c> readiness check. Needs <c>AddTransport</c> (the drain state lives with the queue).
    /// </summary>
    public static WebApplicationBuilder AddCluster(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<DeadNodeTakeover>();
        services.AddHostedService(sp => sp.GetRequiredService<DeadNodeTakeover>());
        services.AddSingleton<Mailflow.Cluster.NodeDrainService>();
        services.AddSingleton<NodeDrainController>();
        services.AddHostedService(sp => sp.GetRequiredService<NodeDrainController>());
        services.AddHealthChecks().AddCheck<NodeDrainHealthCheck>(NodeDrainHealthCheck.Name, tags: [NodeDrainHealthCheck.ReadyTag]);
        return builder;
    }
}
