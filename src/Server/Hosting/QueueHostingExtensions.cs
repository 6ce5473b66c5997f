using Mailflow.Server.Transport;
using Mailflow.Server.Transport.Queue;

namespace Mailflow.Server.Hosting;

public static class QueueHostingExtensions
{
    /// <summary>The durable message sink (behind the receive session's <see cref="IMessageSink"/>) and the queue store.</summary>
    public static IServiceCollection AddMessageQueue(this IServiceCollection services)
    {
        services.AddSingleton<SqliteStoreGate>();
        services.AddSingleton<QueueIdGenerator>();
        services.AddSingleton(sp => new GroupCommitter(
            ActivatorUtilities.CreateInstance<StoreBatchWriter>(sp),
            sp.GetRequiredService<ILogger<GroupCommitter>>()));
        services.AddSingleton<StoreMessageSink>();
        services.AddSingleton<BookkeepingCommitter>();
        services.AddSingleton<QueueStore>();
        services.AddSingleton<StoreWriteRetry>();
        // The node's drain phase: read by receive, the categorizer and the queue manager; set by the drain controller (AddCluster).
        services.AddSingleton<Cluster.NodeDrainState>();
        services.AddSingleton<Mailflow.Cluster.INodeDrainState>(sp => sp.GetRequiredService<Cluster.NodeDrainState>());
        return services;
    }
}
