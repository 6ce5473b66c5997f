using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Mailflow.TestSupport;

/// <summary>
/// A loopback HTTPS server (127.0.0.1, kernel-chosen port) that answers every GET with one text/plain
/// body: an MTA-STS policy file (RFC 8461 §3.3) served with a certificate from the test's own authority.
/// The body can change between requests; <see cref="Requests"/> counts the requests that got it.
/// <see cref="Routes"/> serves other documents by path (an OpenID Connect discovery document and its JWKS).
/// Connections are handled one at a time, each with a time limit.
/// </summary>
public sealed class LoopbackHttpsServer : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    /// <summary>What the server answers; change it to serve a new policy.</summary>
    public string Body { get; set; } = "";
    /// <summary>Documents by request path (e.g. <c>/.well-known/openid-configuration</c>), served as application/json; other paths get <see cref="Body"/>.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, string> Routes { get; } = new(StringComparer.Ordinal);
    /// <summary>Requests per path in <see cref="Routes"/>.</summary>
    public System.Collections.Concurrent.ConcurrentDictionary<string, int> RouteRequests { get; } = new(StringComparer.Ordinal);
    /// <summary>Requests answered with <see cref="Body"/>.</summary>
    public int Requests { get; private set; }
    /// <summary>The last TLS or I/O failure (a client that refused the certificate).</summary>
    public string LastError { get; private set; } = "";

    public static LoopbackHttpsServer Start(X509Certificate2 certificate, string body)
    {
        var server = new LoopbackHttpsServer { Body = body };
        server._listener.Start();
        server._loop = server.ServeAsync(certificate);
        return server;
    }

    private async Task ServeAsync(X509Certificate2 certificate)
    {
        while (!_stop.IsCancellationRequested)
        {
            try
            {
                using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                using var limit = CancellationTokenSource.CreateLinkedTokenSource(_stop.Token);
                limit.CancelAfter(TimeSpan.FromSeconds(10));
                await using var tls = new SslStream(client.GetStream());
                await tls.AuthenticateAsServerAsync(new SslServerAuthenticationOptions { ServerCertificate = certificate }, limit.Token);
                var request = new List<byte>();
                var buffer = new byte[1024];
                while (request.Count < 16_384 && !Encoding.ASCII.GetString([.. request]).Contains("\r\n\r\n", StringComparison.Ordinal))
                {
                    var read = await tls.ReadAsync(buffer, limit.Token);
                    if (read == 0)
                        break;
                    request.AddRange(buffer.AsSpan(0, read).ToArray());
                }
                var requestLine = Encoding.ASCII.GetString([.. request]).Split("\r\n")[0].Split(' ');
                var path = requestLine.Length > 1 ? requestLine[1] : "/";
                var routed = Routes.TryGetValue(path, out var document);
                var body = Encoding.UTF8.GetBytes(routed ? document! : Body);
                var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: {(routed ? "application/json" : "text/plain")}\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                await tls.WriteAsync(head, limit.Token);
                await tls.WriteAsync(body, limit.Token);
                if (routed)
                    RouteRequests.AddOrUpdate(path, 1, (_, count) => count + 1);
                else
                    Requests++;
            }
            catch (Exception exception) when (exception is IOException or System.Security.Authentication.AuthenticationException or SocketException)
            {
                LastError = exception.Message; // the client refused our certificate, as it should for a wrong name
            }
            catch (OperationCanceledException) when (!_stop.IsCancellationRequested)
            {
                LastError = "timed out";
            }
            catch (Exception exception) when (exception is OperationCanceledException or ObjectDisposedException)
            {
                return;
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        await _loop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stop.Dispose();
    }
}
