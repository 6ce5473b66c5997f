using System.Collections.Concurrent;
using System.Collections.Immutable;
using System.Net;
using System.Runtime.CompilerServices;
using System.Net.Security;
using System.Text;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Receive.Session;
using Mailflow.Smtp;
using Microsoft.AspNetCore.Connections;
using Microsoft.Extensions.Logging;

namespace Mailflow.Server.Transport.Receive.Hosting;

/// <summary>
/// Runs the receive connectors as live listeners (Bedrock's RunningListener pattern over Kestrel's
/// socket transport). One <see cref="IConnectionListener"/> per distinct <see cref="IpBinding"/> of
/// the enabled connectors; <see cref="UpdateAsync"/> diffs bindings against the new configuration:
/// new bindings are bound, removed ones unbound — sessions in flight on them finish with the policy
/// they started with — and bindings that stay pick up their connectors' new policies for the next
/// connection. Per connection: choose the connector (<see cref="ConnectorSelector"/>), enforce the
/// connection limits (<see cref="ConnectionLimiter"/>), wrap implicit TLS, run an <see cref="SmtpSession"/>.
/// </summary>
public sealed class ReceiveConnectorHost : IAsyncDisposable
{
    private static readonly TimeSpan HandshakeTimeout = TimeSpan.FromSeconds(30);

    private readonly IConnectionListenerFactory _listenerFactory;
    private readonly SessionDependencies _dependencies;
    private readonly Func<ReceivePolicy, SslStreamCertificateContext?> _certificateFor;
    private readonly string _nodeFqdn;
    private readonly string _nodeName;
    private readonly ConnectionLimiter _limiter = new();
    private readonly Dictionary<IpBinding, RunningListener> _listeners = [];
    private readonly ConcurrentDictionary<Task, byte> _sessions = new();
    private readonly ConcurrentDictionary<Guid, StrongBox<int>> _sessionsPerConnector = new();
    private readonly CancellationTokenSource _shutdown = new();
    private readonly SemaphoreSlim _updateLock = new(1, 1);
    private readonly string _sessionPrefix;
    private long _sessionCounter;
    private IReadOnlyList<Mailflow.Cluster.ListenerBindFailure> _bindFailures = [];

    /// <param name="certificateFor">The certificate (with its chain) a connector presents, asked once per connection; null: no STARTTLS, implicit TLS connections are refused.</param>
    public ReceiveConnectorHost(IConnectionListenerFactory listenerFactory, SessionDependencies dependencies,
        Func<ReceivePolicy, SslStreamCertificateContext?> certificateFor, string nodeFqdn, string nodeName)
    {
        _listenerFactory = listenerFactory;
        _dependencies = dependencies;
        _certificateFor = certificateFor;
        _nodeFqdn = nodeFqdn;
        _nodeName = nodeName;
        // Session ids: a per-process prefix from the clock plus a counter — unique, sortable, short.
        _sessionPrefix = dependencies.Time.GetUtcNow().ToUnixTimeSeconds().ToString("x");
    }

    private ILogger Logger => _dependencies.Logger;

    /// <summary>The endpoint each binding actually listens on (port 0 bindings get their ephemeral port here).</summary>
    public IReadOnlyDictionary<IpBinding, EndPoint> BoundEndPoints
    {
        get
        {
            lock (_listeners)
                return _listeners.ToDictionary(l => l.Key, l => l.Value.Listener.EndPoint);
        }
    }

    /// <summary>The bindings of enabled connectors that could not be bound at the last update (retried at the next one).</summary>
    public IReadOnlyList<Mailflow.Cluster.ListenerBindFailure> BindFailures => Volatile.Read(ref _bindFailures);

    /// <summary>Sessions currently running.</summary>
    public int ActiveSessions => _sessions.Keys.Count(session => !session.IsCompleted);

    /// <summary>SMTP sessions running right now on one connector (the admin center's live count).</summary>
    public int ActiveSessionsFor(Guid connectorId) =>
        _sessionsPerConnector.TryGetValue(connectorId, out var count) ? Volatile.Read(ref count.Value) : 0;

    /// <summary>Applies a new set of receive connectors (disabled ones are ignored).</summary>
    public async Task UpdateAsync(IReadOnlyList<ReceiveConnector> connectors, CancellationToken cancellationToken)
    {
        await _updateLock.WaitAsync(cancellationToken);
        try
        {
            var wanted = connectors
                .Where(c => c.Enabled)
                .Select(c => (Connector: c, Policy: ReceivePolicy.FromConnector(c, _nodeFqdn, _nodeName)))
                .SelectMany(c => c.Connector.Bindings.Select(b => (Binding: b, c.Policy)))
                .GroupBy(c => c.Binding)
                .ToDictionary(g => g.Key, g => g.Select(c => c.Policy).ToImmutableArray());

            List<RunningListener> removed;
            lock (_listeners)
                removed = _listeners.Where(l => !wanted.ContainsKey(l.Key)).Select(l => l.Value).ToList();
            foreach (var listener in removed)
            {
                lock (_listeners)
                    _listeners.Remove(listener.Binding);
                await listener.StopAcceptingAsync();
                ReceiveLog.ListenerStopped(Logger, listener.Binding.ToString());
            }

            var failures = new List<Mailflow.Cluster.ListenerBindFailure>();
            foreach (var (binding, policies) in wanted)
            {
                RunningListener? existing;
                lock (_listeners)
                    _listeners.TryGetValue(binding, out existing);
                if (existing is not null)
                {
                    existing.Policies = policies;
                    continue;
                }
                var endPoint = new IPEndPoint(IPAddress.Parse(binding.Address), binding.Port);
                IConnectionListener connectionListener;
                try
                {
                    connectionListener = await _listenerFactory.BindAsync(endPoint, cancellationToken);
                }
                catch (Exception ex) when (ex is not OperationCanceledException)
                {
                    // One unusable binding (port taken, address not on this machine) must not keep the
                    // other connectors down; the next configuration change retries it.
                    ReceiveLog.ListenerFailed(Logger, binding.ToString(), ex);
                    failures.AddRange(policies.Select(p => new Mailflow.Cluster.ListenerBindFailure(p.ConnectorId, p.ConnectorName, binding.ToString(), BindFailureReason(ex))));
                    continue;
                }
                var running = new RunningListener(binding, connectionListener) { Policies = policies };
                lock (_listeners)
                    _listeners[binding] = running;
                running.AcceptLoop = AcceptLoopAsync(running);
                ReceiveLog.ListenerStarted(Logger, $"{binding} ({connectionListener.EndPoint})");
            }
            Volatile.Write(ref _bindFailures, failures);
        }
        finally
        {
            _updateLock.Release();
        }
    }

    /// <summary>The operating system's words for a failed bind ("Address already in use"), without the exception type.</summary>
    private static string BindFailureReason(Exception exception) => exception switch
    {
        System.Net.Sockets.SocketException socket => socket.Message,
        _ when exception.InnerException is System.Net.Sockets.SocketException inner => inner.Message,
        _ => exception.Message,
    };

    /// <summary>Stops listening, asks every session to close (421 4.3.2) and waits for them.</summary>
    public async ValueTask DisposeAsync()
    {
        List<RunningListener> all;
        lock (_listeners)
        {
            all = [.. _listeners.Values];
            _listeners.Clear();
        }
        foreach (var listener in all)
            await listener.StopAcceptingAsync();
        await _shutdown.CancelAsync();
        await Task.WhenAll(_sessions.Keys);
        _shutdown.Dispose();
    }

    private async Task AcceptLoopAsync(RunningListener running)
    {
        try
        {
            while (true)
            {
                var connection = await running.Listener.AcceptAsync();
                if (connection is null)
                    return; // unbound
                var session = RunConnectionAsync(connection, running);
                _sessions.TryAdd(session, 0);
                _ = session.ContinueWith(t => _sessions.TryRemove(t, out _), TaskScheduler.Default);
            }
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            ReceiveLog.AcceptFailed(Logger, running.Binding.ToString(), exception);
        }
    }

    private async Task RunConnectionAsync(ConnectionContext connection, RunningListener running)
    {
        await Task.Yield(); // leave the accept loop at once
        var binding = running.Binding.ToString();
        var client = (connection.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
        ReceivePolicy? policy = null;
        var acquired = false;
        ConnectionTransport? transport = null;
        try
        {
            if (_dependencies.Drain is { IsActive: false })
            {
                // Maintenance mode: the client goes to another node (or comes back later).
                ReceiveLog.ConnectionRefused(Logger, connection.RemoteEndPoint, binding, "the node is draining");
                await RefuseAsync(connection, SmtpReplies.NodeDraining);
                return;
            }
            policy = ConnectorSelector.Select(running.Policies, client);
            if (policy is null)
            {
                ReceiveLog.ConnectionRefused(Logger, connection.RemoteEndPoint, binding, "no connector admits this address");
                ReceiveMetrics.SessionEnded(ReceiveMetrics.NoConnector, ReceiveMetrics.SessionOutcome.Refused);
                await RefuseAsync(connection, SmtpReplies.NoConnectorForClient);
                return;
            }
            if (!_limiter.TryAcquire(policy, client))
            {
                ReceiveLog.ConnectionRefused(Logger, connection.RemoteEndPoint, binding, $"connection limit of {policy.ConnectorName}");
                ReceiveMetrics.SessionEnded(policy.ConnectorName, ReceiveMetrics.SessionOutcome.Refused);
                await RefuseAsync(connection, SmtpReplies.TooManyConnections);
                return;
            }
            acquired = true;
            var certificate = policy.TlsMode == ConnectorTlsMode.None ? null : _certificateFor(policy);
            transport = new ConnectionTransport(connection, certificate, _dependencies.Time, HandshakeTimeout);
            if (policy.TlsMode == ConnectorTlsMode.ImplicitTls)
            {
                try
                {
                    // Implicit TLS (RFC 8314 §3.3): the handshake comes before the greeting.
                    await transport.StartTlsAsync(_shutdown.Token);
                }
                catch (Exception exception) when (exception is System.Security.Authentication.AuthenticationException or IOException or InvalidOperationException)
                {
                    ReceiveLog.TlsHandshakeFailed(Logger, connection.ConnectionId, exception);
                    return;
                }
            }
            var sessionId = $"{_sessionPrefix}{Interlocked.Increment(ref _sessionCounter):x6}";
            var session = new SmtpSession(policy, transport, _dependencies, sessionId);
            var perConnector = _sessionsPerConnector.GetOrAdd(policy.ConnectorId, _ => new StrongBox<int>());
            Interlocked.Increment(ref perConnector.Value);
            try
            {
                await session.RunAsync(_shutdown.Token);
            }
            finally
            {
                Interlocked.Decrement(ref perConnector.Value);
            }
        }
        catch (Exception exception)
        {
            // The session catches its own failures; this guards connector selection and setup.
            ReceiveLog.ConnectionSetupFailed(Logger, binding, exception);
        }
        finally
        {
            if (acquired)
                _limiter.Release(policy!, client);
            try
            {
                if (transport is not null)
                    await transport.DisposeAsync();
                await connection.DisposeAsync();
            }
            catch (Exception exception)
            {
                ReceiveLog.ConnectionSetupFailed(Logger, binding, exception);
            }
        }
    }

    private static async Task RefuseAsync(ConnectionContext connection, SmtpReply reply)
    {
        await connection.Transport.Output.WriteAsync(Encoding.ASCII.GetBytes(reply.Render()));
        await connection.Transport.Output.CompleteAsync();
    }

    private sealed class RunningListener(IpBinding binding, IConnectionListener listener)
    {
        public IpBinding Binding { get; } = binding;
        public IConnectionListener Listener { get; } = listener;
        /// <summary>Swapped atomically on configuration change; a connection reads it once at accept.</summary>
        public ImmutableArray<ReceivePolicy> Policies { get => field; set => field = value; }
        public Task AcceptLoop { get; set; } = Task.CompletedTask;

        public async Task StopAcceptingAsync()
        {
            await Listener.UnbindAsync();
            await AcceptLoop;
            await Listener.DisposeAsync();
        }
    }
}
