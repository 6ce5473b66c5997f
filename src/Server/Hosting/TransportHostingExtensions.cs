using Mailflow.Data;
using Mailflow.Server.Transport;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Authentication;
using Mailflow.Server.Transport.Categorize;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Queue;
using Mailflow.Server.Transport.Receive;
using Mailflow.Server.Transport.Receive.Directory;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Tls;

namespace Mailflow.Server.Hosting;

public static class TransportHostingExtensions
{
    /// <summary>The transport engine: receive connectors as live listeners, the durable queue, TLS.</summary>
    public static WebApplicationBuilder AddTransport(this WebApplicationBuilder builder)
    {
        var services = builder.Services;
        services.AddOptions<SmtpOptions>().Bind(builder.Configuration.GetSection(SmtpOptions.Section));
        services.AddOptions<TlsOptions>().Bind(builder.Configuration.GetSection(TlsOptions.Section));
        services.AddOptions<ProtocolLogOptions>().Bind(builder.Configuration.GetSection(ProtocolLogOptions.Section));
        services.AddSingleton<NodeCertificate>();
        services.AddSingleton<Mailflow.Cluster.INodeCertificateStatus, NodeCertificateStatus>();
        services.AddSingleton<ReceiveCertificates>();
        services.AddMessageQueue();
        services.AddMailFlowDecisions(builder.Configuration);
        services.AddMailDelivery(builder.Configuration);
        // Receive hands messages to the submission sink (end-of-DATA rules, tracking, categorizer
        // doorbell) with the store sink behind it; the categorizer makes them ready for the queue manager.
        services.AddSingleton<SubmissionSignal>();
        services.AddSingleton<SubmissionSink>();
        services.AddSingleton<IMessageSink>(sp => sp.GetRequiredService<SubmissionSink>());
        services.AddSingleton<IStartupSeeder, OwnLeaseRecovery>();
        services.AddSingleton<Transport.Notify.GeneratedMessageSubmitter>();
        services.AddSingleton<RuleMessageSender>();
        services.AddSingleton<ModerationHold>();
        services.AddSingleton<Transport.Categorize.Journaling.Journaler>();
        services.AddSingleton<Categorizer>();
        services.AddHostedService(sp => sp.GetRequiredService<Categorizer>());
        // The pickup directory: files submitted as by an authenticated local client, through the same sink and agents.
        services.AddSingleton<Transport.Pickup.PickupSubmitter>();
        services.AddHostedService<Transport.Pickup.PickupDirectoryWatcher>();

        // Transport agents: every check on a message, in pipeline order (see docs/architecture.md).
        services.AddSingleton<TransportAgentPipeline>();
        services.AddBuiltInTransportAgents();
        services.AddProtectionAgents();
        // Back pressure: the monitor samples in the background, the agent reads its state at MAIL FROM.
        services.AddOptions<Transport.BackPressure.BackPressureOptions>().Bind(builder.Configuration.GetSection(Transport.BackPressure.BackPressureOptions.Section));
        services.AddSingleton<Transport.BackPressure.BackPressureMonitor>();
        services.AddSingleton<Mailflow.Cluster.IBackPressureStatus>(sp => sp.GetRequiredService<Transport.BackPressure.BackPressureMonitor>());
        services.AddHostedService(sp => sp.GetRequiredService<Transport.BackPressure.BackPressureMonitor>());
        services.AddTransportAgent<Transport.BackPressure.BackPressureAgent>();
        services.AddSenderAuthentication(builder.Configuration);
        services.AddSingleton<IAgentDecisionLog, TrackingAgentDecisionLog>();
        services.AddSingleton<Mailflow.Configuration.ITransportAgentCatalog, TransportAgentCatalog>();

        // Receive
        services.AddSingleton<IAddressAuthority, SnapshotAddressAuthority>();
        services.AddSingleton<AuthFailureThrottle>();
        services.AddSingleton<ISubmissionAuthenticator, RecipientSubmissionAuthenticator>();
        // OAuth submission: the issuer's keys over HTTPS with the outbound trust (the system's roots; tests register their own authority).
        services.AddSingleton(sp =>
        {
            var handler = new SocketsHttpHandler { ConnectTimeout = TimeSpan.FromSeconds(10), AllowAutoRedirect = false };
            if (sp.GetRequiredService<Transport.Deliver.Tls.OutboundTlsTrust>().HttpsValidation is { } validation)
                handler.SslOptions.RemoteCertificateValidationCallback = validation;
            return new Transport.Receive.OAuth.OidcSigningKeys(new HttpClient(handler) { Timeout = TimeSpan.FromSeconds(15) }, sp.GetRequiredService<TimeProvider>());
        });
        services.AddSingleton<Transport.Receive.OAuth.AccessTokenValidator>();
        services.AddSingleton<IBearerTokenAuthenticator, Transport.Receive.OAuth.OAuthSubmissionAuthenticator>();
        services.AddSingleton(sp =>
        {
            var config = sp.GetRequiredService<Mailflow.Configuration.TransportConfigProvider>();
            return new FileProtocolLog(sp.GetRequiredService<Microsoft.Extensions.Options.IOptions<MailflowOptions>>(), () => config.Current.Operations.LogRetention);
        });
        services.AddSingleton<IProtocolLog>(sp => sp.GetRequiredService<FileProtocolLog>());
        services.AddSingleton<Mailflow.Tracking.IProtocolLogReader>(sp => new FileProtocolLogReader(sp.GetRequiredService<FileProtocolLog>(),
            sp.GetRequiredService<Transport.Deliver.Smtp.SendProtocolLog>().File));
        services.AddSingleton<Mailflow.Server.Transport.WhatIf.AgentWhatIf>();
        services.AddSingleton<Mailflow.WhatIf.IMailFlowTester, Mailflow.Server.Transport.WhatIf.MailFlowTester>();
        services.AddSingleton<ReceiveEngine>();
        services.AddHostedService(sp => sp.GetRequiredService<ReceiveEngine>());
        services.AddSingleton<Mailflow.Cluster.IReceiveStatus, ReceiveEngineStatus>();
        services.AddSingleton<Mailflow.Configuration.ISendConnectorTester, Transport.Deliver.SendConnectorTester>();
        return builder;
    }
}
