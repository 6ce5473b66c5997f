using Mailflow.Queue;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Deliver.Local;
using Mailflow.Server.Transport.Deliver.Smtp;
using Mailflow.Server.Transport.Notify;
using Mailflow.Server.Transport.Queue;
using Mailflow.Server.Transport.Tracking;

namespace Mailflow.Server.Hosting;

public static class DeliveryHostingExtensions
{
    /// <summary>
    /// The runtime half of mail flow: message tracking, the delivery worker and its agents (SMTP,
    /// Maildir, LMTP), DSNs, queue operations and, unless <paramref name="runQueueManager"/> is false,
    /// the queue manager as a hosted service. Needs <c>AddMailflowCore</c>, <c>AddMessageQueue</c> and
    /// <c>AddMailFlowDecisions</c> (the MX resolver).
    /// </summary>
    public static IServiceCollection AddMailDelivery(this IServiceCollection services, IConfiguration configuration, bool runQueueManager = true)
    {
        services.AddOptions<QueueManagerOptions>().Bind(configuration.GetSection(QueueManagerOptions.Section));

        services.AddSingleton<MessageTracker>();
        services.AddHostedService(sp => sp.GetRequiredService<MessageTracker>());

        services.AddSingleton<SmtpConnectionPool>();
        services.AddSingleton<SendProtocolLog>();
        services.AddSingleton<DkimOutboundSigner>();
        services.AddSingleton<IOutboundMessageSigner>(sp => sp.GetRequiredService<DkimOutboundSigner>());
        services.AddSingleton<ArcOutboundSealer>();
        services.AddSingleton<Transport.AddressRewriting.OutboundAddressRewriter>();
        services.AddSingleton<Transport.Deliver.RemoteDomainContentShaper>();
        services.AddOptions<DkimRotationOptions>().Bind(configuration.GetSection(DkimRotationOptions.Section));
        services.AddSingleton<Mailflow.Configuration.IDkimDnsCheck, Mailflow.Server.Transport.Authentication.Dkim.DkimDnsChecker>();
        services.AddSingleton<DkimRotationWorker>();
        services.AddHostedService(sp => sp.GetRequiredService<DkimRotationWorker>());
        // The receive engine is absent where a process only delivers (tests, tools): then no listener can be looped to.
        services.AddSingleton(sp => new Transport.Route.RouteLoopDetector(
            sp.GetService<Transport.Receive.ReceiveEngine>(), sp.GetRequiredService<Mailflow.Configuration.TransportConfigProvider>(),
            sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Mailflow.MailflowOptions>>(), sp.GetRequiredService<TimeProvider>()));
        services.AddSingleton<IDeliveryAgent, SmtpDeliveryAgent>();
        services.AddSingleton<MaildirUsage>();
        services.AddSingleton<Mailflow.Configuration.IMailboxUsage>(sp => sp.GetRequiredService<MaildirUsage>());
        services.AddSingleton<IDeliveryAgent, MaildirDeliveryAgent>();
        services.AddSingleton<IDeliveryAgent, LmtpDeliveryAgent>();
        services.AddSingleton<ISmtpHostLookup, MxHostLookup>();
        // Outbound TLS policies: the system's trust only (tests register their own OutboundTlsTrust after this).
        services.AddSingleton(Transport.Deliver.Tls.OutboundTlsTrust.System);
        // DANE asks with the DO bit and trusts the AD bit of the node's resolvers (its own client: the others do not ask for DNSSEC).
        services.AddSingleton(sp => new Transport.Deliver.Tls.DaneTlsaLookup(
            Transport.Route.MxResolver.CreateClient(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Transport.Route.DnsOptions>>().Value, requestDnsSec: true)));
        services.AddSingleton(sp =>
        {
            var dns = sp.GetRequiredService<Transport.Authentication.AuthenticationDns>();
            var trust = sp.GetRequiredService<Transport.Deliver.Tls.OutboundTlsTrust>();
            var timeout = TimeSpan.FromSeconds(Math.Max(1, sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<Mailflow.DomainHealth.DomainHealthOptions>>().Value.MtaStsTimeoutSeconds));
            var fetcher = new Transport.Authentication.DomainHealth.MtaStsPolicyFetcher(
                new Transport.Authentication.DomainHealth.DomainHealthDns(dns), timeout, trust.MtaStsHttpsPort, trust.HttpsValidation);
            return new Transport.Deliver.Tls.MtaStsPolicyCache(dns, fetcher, sp.GetRequiredService<TimeProvider>(),
                sp.GetRequiredService<ILogger<Transport.Deliver.Tls.MtaStsPolicyCache>>());
        });
        services.AddSingleton<IDeliveryTargetResolver, NextHopKeyTargetResolver>();
        services.AddSingleton<NextHopConcurrency>();
        services.AddSingleton<OutboundDomainThrottle>();
        services.AddSingleton<DeliveryWorker>();

        services.AddSingleton<DsnBuilder>();
        services.AddSingleton<DeliveryNotifier>();

        services.AddSingleton<QueueSignals>();
        services.AddSingleton<QueueManager>();
        services.AddSingleton<QueueOperations>();
        services.AddSingleton<IQueueOperations>(sp => sp.GetRequiredService<QueueOperations>());
        services.AddSingleton<QuarantineService>();
        services.AddSingleton<IQuarantine>(sp => sp.GetRequiredService<QuarantineService>());
        services.AddSingleton<ModerationService>();
        services.AddTransportAgent<Transport.Agents.Moderation.ModerationReplyAgent>();
        services.AddSingleton<IModeration>(sp => sp.GetRequiredService<ModerationService>());
        services.AddSingleton<QuarantineExpiry>();
        services.AddHostedService(sp => sp.GetRequiredService<QuarantineExpiry>());
        if (runQueueManager)
            services.AddHostedService(sp => sp.GetRequiredService<QueueManager>());
        return services;
    }
}
