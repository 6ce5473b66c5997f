using Mailflow.Server.Cluster;

namespace Mailflow.Server.Hosting;

public static class ClusterHostingExtensions
{
    /// <summary>A node among others on one store: takeover of a silent node's leases. Needs <c>AddTransport</c>.</summary>
    public static WebApplicationBuilder AddCluster(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddSingleton<DeadNodeTakeover>();
        services.AddHostedService(sp => sp.GetRequiredService<DeadNodeTakeover>());
        return builder;
    }
}
