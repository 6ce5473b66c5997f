using Mailflow.Server.Transport;
using Mailflow.Server.Transport.Categorize;
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
        services.AddSingleton<NodeCertificate>();
        services.AddSingleton<Mailflow.Cluster.INodeCertificateStatus, NodeCertificateStatus>();
        services.AddMessageQueue();
        services.AddMailFlowDecisions();
        // Rules that reject or delete act before the 250; the store sink is behind them.
        services.AddSingleton<EndOfDataRuleSink>();
        services.AddSingleton<IMessageSink>(sp => sp.GetRequiredService<EndOfDataRuleSink>());

        // Receive
        services.AddSingleton<IAddressAuthority, SnapshotAddressAuthority>();
        services.AddSingleton<AuthFailureThrottle>();
        services.AddSingleton<ISubmissionAuthenticator, RecipientSubmissionAuthenticator>();
        services.AddSingleton<FileProtocolLog>();
        services.AddSingleton<IProtocolLog>(sp => sp.GetRequiredService<FileProtocolLog>());
        services.AddSingleton<ReceiveEngine>();
        services.AddHostedService(sp => sp.GetRequiredService<ReceiveEngine>());
        services.AddSingleton<Mailflow.Cluster.IReceiveStatus, ReceiveEngineStatus>();
        services.AddSingleton<Mailflow.Configuration.ISendConnectorTester, Transport.Deliver.SendConnectorTester>();
        return builder;
    }
}
