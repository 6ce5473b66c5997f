using System.Collections.Concurrent;
using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Mailflow.Server.Tests.Deliver;

/// <summary>
/// A minimal SMTP server on 127.0.0.1 (port 0) for one session: greets, answers EHLO with STARTTLS and
/// AUTH, upgrades to TLS with the given certificate, accepts AUTH PLAIN for one credential pair, and records
/// every command line it receives so a test can prove what the client did (and did not) send.
/// </summary>
public sealed class ScriptedSmtpResponder : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly X509Certificate2 _certificate;
    private readonly string _expectedAuthPlain;
    private readonly Task _session;

    public ScriptedSmtpResponder(X509Certificate2 certificate, string userName, string password)
    {
        _certificate = certificate;
        _expectedAuthPlain = Convert.ToBase64String(Encoding.UTF8.GetBytes($"\0{userName}\0{password}"));
        _listener.Start();
        _session = RunAsync();
    }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>Command lines in order (after TLS too).</summary>
    public ConcurrentQueue<string> Commands { get; } = new();

    /// <summary>Completes when the client has said QUIT and the session closed.</summary>
    public Task Session => _session;

    private async Task RunAsync()
    {
        using var client = await _listener.AcceptTcpClientAsync();
        Stream stream = client.GetStream();
        var reader = new StreamReader(stream, Encoding.ASCII);
        await WriteAsync(stream, "220 loopback.test ESMTP test responder\r\n");
        var secure = false;
        while (await reader.ReadLineAsync() is { } line)
        {
            Commands.Enqueue(line);
            var verb = line.Split(' ')[0].ToUpperInvariant();
            switch (verb)
            {
                case "EHLO":
                    await WriteAsync(stream, secure
                        ? "250-loopback.test\r\n250-SIZE 10485760\r\n250-AUTH PLAIN LOGIN\r\n250 8BITMIME\r\n"
                        : "250-loopback.test\r\n250-SIZE 10485760\r\n250-STARTTLS\r\n250 8BITMIME\r\n");
                    break;
                case "STARTTLS":
                    await WriteAsync(stream, "220 2.0.0 Go ahead\r\n");
                    var ssl = new SslStream(stream);
                    await ssl.AuthenticateAsServerAsync(_certificate);
                    stream = ssl;
                    reader = new StreamReader(stream, Encoding.ASCII);
                    secure = true;
                    break;
                case "AUTH":
                    var parts = line.Split(' ');
                    await WriteAsync(stream, parts.Length == 3 && parts[1].Equals("PLAIN", StringComparison.OrdinalIgnoreCase) && parts[2] == _expectedAuthPlain
                        ? "235 2.7.0 Authentication successful\r\n"
                        : "535 5.7.8 Authentication credentials invalid\r\n");
                    break;
                case "QUIT":
                    await WriteAsync(stream, "221 2.0.0 Bye\r\n");
                    return;
                default:
                    await WriteAsync(stream, "502 5.5.1 Not in this script\r\n");
                    break;
            }
        }
    }

    private static async Task WriteAsync(Stream stream, string text)
    {
        await stream.WriteAsync(Encoding.ASCII.GetBytes(text));
        await stream.FlushAsync();
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Stop();
        try
        {
            await _session;
        }
        catch (Exception ex) when (ex is SocketException or IOException or ObjectDisposedException)
        {
            // The listener was stopped before a client came, or the client went away: nothing to clean up.
        }
        _listener.Dispose();
    }
}
