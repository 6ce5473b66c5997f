using System.Net;
using Mailflow.Configuration;
using Mailflow.Server.Tests.Receive.Fakes;
using Mailflow.Server.Transport.Receive.Hosting;
using Mailflow.Server.Transport.Receive.Session;
using Microsoft.AspNetCore.Server.Kestrel.Transport.Sockets;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Tests.Receive.Wire;

/// <summary>A <see cref="ReceiveConnectorHost"/> on Kestrel's socket transport, bound to 127.0.0.1 with ports chosen at run time.</summary>
public sealed class ReceiveHost : IAsyncDisposable
{
    private ReceiveHost(ReceiveConnectorHost host, RecordingSink sink, InMemoryProtocolLog log)
    {
        Host = host;
        Sink = sink;
        ProtocolLog = log;
    }

    public ReceiveConnectorHost Host { get; }
    public RecordingSink Sink { get; }
    public InMemoryProtocolLog ProtocolLog { get; }

    /// <summary>A connector on 127.0.0.1:0 with test-friendly settings (no tarpit, protocol logging on).</summary>
    public static ReceiveConnector Connector(string name, ConnectorTlsMode tls = ConnectorTlsMode.StartTls, Action<ReceiveConnector>? configure = null)
    {
        var connector = new ReceiveConnector
        {
            Name = name,
            Bindings = [new IpBinding("127.0.0.1", 0)],
            Fqdn = "mx.local.test",
            TlsMode = tls,
            AuthMechanisms = ReceiveAuthMechanisms.Tls,
            TarpitIntervalMilliseconds = 0,
            ProtocolLogging = ProtocolLoggingLevel.Verbose,
        };
        configure?.Invoke(connector);
        return connector;
    }

    public static Task<ReceiveHost> StartAsync(params ReceiveConnector[] connectors) => StartAsync([], connectors);

    public static Task<ReceiveHost> StartAsync(IReadOnlyList<Transport.Agents.ITransportAgent> agents, params ReceiveConnector[] connectors) =>
        StartAsync(agents, null, null, connectors);

    /// <param name="agents">Transport agents to run after the built-in ones.</param>
    /// <param name="snapshot">The configuration the agents read (IP lists, protection settings); null = empty.</param>
    /// <param name="decisions">Where the agents' decisions go (the trace); null = nowhere.</param>
    public static async Task<ReceiveHost> StartAsync(IReadOnlyList<Transport.Agents.ITransportAgent> agents, TransportConfig? snapshot,
        Transport.Agents.IAgentDecisionLog? decisions, params ReceiveConnector[] connectors)
    {
        var sink = new RecordingSink();
        var log = new InMemoryProtocolLog();
        var dependencies = TestPipeline.Dependencies(sink, new FakeAddressAuthority(), new FakeAuthenticator(), log, TimeProvider.System, snapshot, decisions, [.. agents]);
        var factory = new SocketTransportFactory(Options.Create(new SocketTransportOptions()), NullLoggerFactory.Instance);
        var host = new ReceiveConnectorHost(factory, dependencies, _ => TestCertificate.Context, "node.local.test", "node1");
        await host.UpdateAsync(connectors, CancellationToken.None);
        return new ReceiveHost(host, sink, log);
    }

    public int Port(IpBinding? binding = null) =>
        ((IPEndPoint)(binding is null ? Host.BoundEndPoints.Values.Single() : Host.BoundEndPoints[binding])).Port;

    public ValueTask DisposeAsync() => Host.DisposeAsync();
}
