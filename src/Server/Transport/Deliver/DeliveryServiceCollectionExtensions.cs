using Mailflow.Server.Hosting;
using Mailflow.Queue;
using Mailflow.Server.Transport.Deliver.Local;
using Mailflow.Server.Transport.Deliver.Smtp;
using Mailflow.Server.Transport.Notify;
using Mailflow.Server.Transport.Queue;
using Mailflow.Server.Transport.Tracking;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace Mailflow.Server.Transport.Deliver;

public static class DeliveryServiceCollectionExtensions
{
    /// <summary>
    /// The runtime half of mail flow: message tracking, delivery agents (SMTP, Maildir, LMTP), DSNs,
    /// queue operations and, unless <paramref name="runQueueManager"/> is false, the queue manager
    /// as a hosted service. Needs <c>AddMailflowCore</c> and <c>AddMessageQueue</c>.
    /// Replace <see cref="ISmtpHostLookup"/> (MX lookup) and, if the router's keys change,
    /// <see cref="IDeliveryTargetResolver"/> with the routing stage's implementations.
    /// </summary>
    public static IServiceCollection AddMailDelivery(this IServiceCollection services, IConfiguration configuration, bool runQueueManager = true)
    {
        services.AddOptions<QueueManagerOptions>().Bind(configuration.GetSection(QueueManagerOptions.Section));

        services.AddSingleton<MessageTracker>();
        services.AddHostedService(sp => sp.GetRequiredService<MessageTracker>());

        services.AddSingleton<SmtpConnectionPool>();
        services.AddSingleton<SendProtocolLog>();
        services.TryAddSingleton<IOutboundMessageSigner, DkimOutboundSigner>();
        services.AddSingleton<IDeliveryAgent, SmtpDeliveryAgent>();
        services.AddSingleton<IDeliveryAgent, MaildirDeliveryAgent>();
        services.AddSingleton<IDeliveryAgent, LmtpDeliveryAgent>();
        services.AddMailFlowDecisions(configuration);
        services.TryAddSingleton<ISmtpHostLookup, MxHostLookup>();
        services.TryAddSingleton<IDeliveryTargetResolver, NextHopKeyTargetResolver>();

        services.AddSingleton<DsnBuilder>();
        services.AddSingleton<DeliveryNotifier>();

        services.AddSingleton<QueueSignals>();
        services.AddSingleton<NextHopConcurrency>();
        services.AddSingleton<QueueManager>();
        services.AddSingleton<QueueOperations>();
        services.AddSingleton<IQueueOperations>(sp => sp.GetRequiredService<QueueOperations>());
        if (runQueueManager)
            services.AddHostedService(sp => sp.GetRequiredService<QueueManager>());
        return services;
    }
}
