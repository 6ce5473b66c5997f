using System.Net.Security;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;

namespace Mailflow.Server.Tests.Receive.Wire;

/// <summary>A line-level SMTP client on a real loopback socket, for error paths MailKit would never produce.</summary>
public sealed class RawSmtpClient : IAsyncDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(15);
    private readonly TcpClient _tcp = new();
    private Stream _stream = null!;
    private readonly List<byte> _pending = [];

    public static async Task<RawSmtpClient> ConnectAsync(int port, bool implicitTls = false)
    {
        var client = new RawSmtpClient();
        using var guard = new CancellationTokenSource(Guard);
        await client._tcp.ConnectAsync("127.0.0.1", port, guard.Token);
        client._stream = client._tcp.GetStream();
        if (implicitTls)
            await client.StartTlsHandshakeAsync();
        return client;
    }

    public async Task SendRawAsync(string text)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(text));
        await _stream.FlushAsync();
    }

    public async Task<string> SendAsync(string line, string expect)
    {
        await SendRawAsync(line + "\r\n");
        return await ExpectAsync(expect);
    }

    public async Task<string> ExpectAsync(string expect)
    {
        var reply = await ReadReplyAsync();
        Assert.NotNull(reply);
        var last = reply!.Split("\r\n", StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.True(last.StartsWith(expect, StringComparison.Ordinal), $"Expected '{expect}' but got:\n{reply}");
        return reply;
    }

    /// <summary>One whole reply, or null when the server closed the connection.</summary>
    public async Task<string?> ReadReplyAsync()
    {
        using var guard = new CancellationTokenSource(Guard);
        var reply = new StringBuilder();
        var buffer = new byte[4096];
        while (true)
        {
            var newline = IndexOfCrlf();
            if (newline >= 0)
            {
                var line = Encoding.UTF8.GetString(_pending.GetRange(0, newline).ToArray());
                _pending.RemoveRange(0, newline + 2);
                reply.Append(line).Append("\r\n");
                if (line.Length < 4 || line[3] == ' ')
                    return reply.ToString();
                continue;
            }
            int read;
            try
            {
                read = await _stream.ReadAsync(buffer, guard.Token);
            }
            catch (IOException)
            {
                read = 0;
            }
            if (read == 0)
                return reply.Length == 0 ? null : reply.ToString();
            _pending.AddRange(buffer.AsSpan(0, read).ToArray());
        }
    }

    /// <summary>Performs a client TLS handshake on the current stream (accepting the test certificate).</summary>
    public async Task StartTlsHandshakeAsync()
    {
        Assert.Empty(_pending); // nothing may be left over from the plaintext phase
        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false, (_, _, _, _) => true);
        using var guard = new CancellationTokenSource(Guard);
        await ssl.AuthenticateAsClientAsync(new SslClientAuthenticationOptions
        {
            TargetHost = "mx.local.test",
            EnabledSslProtocols = SslProtocols.Tls12 | SslProtocols.Tls13,
        }, guard.Token);
        _stream = ssl;
    }

    public SslProtocols? TlsProtocol => (_stream as SslStream)?.SslProtocol;

    /// <summary>The underlying stream, for bytes that are not SMTP lines (a hand-made TLS record).</summary>
    public Stream Stream
    {
        get
        {
            Assert.Empty(_pending);
            return _stream;
        }
    }

    private int IndexOfCrlf()
    {
        for (var i = 0; i + 1 < _pending.Count; i++)
        {
            if (_pending[i] == '\r' && _pending[i + 1] == '\n')
                return i;
        }
        return -1;
    }

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
