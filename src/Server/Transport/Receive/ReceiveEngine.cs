using Mailflow.Configuration;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Receive.Hosting;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Receive.Session;
using Mailflow.Server.Transport.Tls;
using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Receive;

/// <summary>
/// The receive stage as a hosted service: runs <see cref="ReceiveConnectorHost"/> with the receive
/// connectors of the live snapshot, and re-applies them whenever a new configuration generation is
/// swapped in — listeners are bound, rebound or stopped without a restart, and sessions in flight
/// finish on the policy they started with.
/// </summary>
public sealed partial class ReceiveEngine(
    TransportConfigProvider config,
    IMessageSink sink,
    TransportAgentPipeline agents,
    IAgentDecisionLog decisions,
    Mailflow.Cluster.INodeDrainState drain,
    ISubmissionAuthenticator authenticator,
    IBearerTokenAuthenticator bearerAuthenticator,
    IProtocolLog protocolLog,
    ReceiveCertificates certificates,
    Mailflow.Cluster.ListenerBindReport bindReport,
    IOptions<MailflowOptions> options,
    IOptions<SmtpOptions> smtp,
    ILoggerFactory loggerFactory,
    TimeProvider time,
    ILogger<ReceiveEngine> logger) : IHostedService, IAsyncDisposable
{
    private readonly SemaphoreSlim _applyLock = new(1, 1);
    private ReceiveConnectorHost? _host;
    private long _appliedGeneration = -1;
    private TaskCompletionSource _applied = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Null until started, or when SMTP is switched off (<c>Mailflow:Smtp:Enabled=false</c>).</summary>
    public ReceiveConnectorHost? Host => _host;

    /// <summary>The configuration generation whose receive connectors the listeners run.</summary>
    public long AppliedGeneration => Volatile.Read(ref _appliedGeneration);

    /// <summary>Completes when the listeners run <paramref name="generation"/> or a later one.</summary>
    public async Task WaitForAppliedAsync(long generation, CancellationToken cancellationToken)
    {
        while (AppliedGeneration < generation)
        {
            var applied = Volatile.Read(ref _applied).Task;
            if (AppliedGeneration >= generation)
                return;
            await applied.WaitAsync(cancellationToken);
        }
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (!smtp.Value.Enabled)
        {
            Log.Disabled(logger);
            return;
        }
        var listenerFactory = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), loggerFactory);
        var dependencies = new SessionDependencies(sink, agents, () => config.Current, authenticator, protocolLog, time, loggerFactory.CreateLogger("Mailflow.Receive"), decisions, drain, bearerAuthenticator);
        _host = new ReceiveConnectorHost(listenerFactory, dependencies, policy => certificates.For(policy.CertificateId), options.Value.ResolvedFqdn, options.Value.ResolvedNodeName);
        config.Changed += OnConfigurationChanged;
        await ApplyAsync(config.Current, cancellationToken);
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        config.Changed -= OnConfigurationChanged;
        await DisposeAsync();
    }

    public async ValueTask DisposeAsync()
    {
        var host = Interlocked.Exchange(ref _host, null);
        if (host is not null)
            await host.DisposeAsync();
    }

    private void OnConfigurationChanged(TransportConfig snapshot) => _ = ApplyInBackgroundAsync(snapshot);

    private async Task ApplyInBackgroundAsync(TransportConfig snapshot)
    {
        try
        {
            await ApplyAsync(snapshot, CancellationToken.None);
        }
        catch (Exception ex)
        {
            Log.ApplyFailed(logger, snapshot.Generation, ex);
        }
    }

    private async Task ApplyAsync(TransportConfig snapshot, CancellationToken cancellationToken)
    {
        await _applyLock.WaitAsync(cancellationToken);
        try
        {
            // Generations can arrive out of order from two signal paths; never go back to an older one.
            if (_host is null || snapshot.Generation <= _appliedGeneration)
                return;
            // Certificates first: a connector assigned a new certificate must find it loaded at its first connection.
            certificates.Apply(snapshot);
            await _host.UpdateAsync(snapshot.ReceiveConnectors, cancellationToken);
            // Reported before the generation counts as applied: whoever waits for it reads the bind results.
            bindReport.Report(_host.BindFailures);
            Volatile.Write(ref _appliedGeneration, snapshot.Generation);
            Interlocked.Exchange(ref _applied, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            Log.Applied(logger, snapshot.Generation, snapshot.ReceiveConnectors.Count(c => c.Enabled));
            foreach (var failure in _host.BindFailures)
                Log.NotListening(logger, failure.ConnectorName, failure.Binding, failure.Reason);
        }
        finally
        {
            _applyLock.Release();
        }
        await PublishBindResultsAsync(cancellationToken);
    }

    /// <summary>Stores the bind results in the node registry at once, so other nodes' admin centers need not wait for the next heartbeat.</summary>
    private async Task PublishBindResultsAsync(CancellationToken cancellationToken)
    {
        try
        {
            await config.HeartbeatAsync(cancellationToken);
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            // The periodic heartbeat stores them later.
            Log.PublishFailed(logger, ex);
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1200, LogLevel.Information, "Receive connectors of generation {Generation} applied ({Enabled} enabled)")]
        public static partial void Applied(ILogger logger, long generation, int enabled);

        [LoggerMessage(1201, LogLevel.Error, "Applying the receive connectors of generation {Generation} failed")]
        public static partial void ApplyFailed(ILogger logger, long generation, Exception exception);

        [LoggerMessage(1203, LogLevel.Error, "Receive connector {Connector} is not listening on {Binding}: {Reason}")]
        public static partial void NotListening(ILogger logger, string connector, string binding, string reason);

        [LoggerMessage(1204, LogLevel.Warning, "The listeners' bind results could not be stored in the node registry")]
        public static partial void PublishFailed(ILogger logger, Exception exception);

        [LoggerMessage(1202, LogLevel.Warning, "SMTP is switched off (Mailflow:Smtp:Enabled=false): no receive connector listens")]
        public static partial void Disabled(ILogger logger);
    }
}
