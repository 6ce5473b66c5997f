using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Mailflow.Server.Transport.Deliver.Local;

/// <summary>A reply: the code and the text of all its lines (RFC 5321 §4.2.1 multi-line form).</summary>
internal sealed record LmtpReply(int Code, string Text)
{
    public DeliveryReply ToDeliveryReply() => DeliveryReply.FromRemote(Code, Text);
}

/// <summary>
/// The client side of LMTP (RFC 2033) — MailKit has no LMTP client, and the protocol is small: SMTP
/// with LHLO instead of EHLO, and after DATA one reply per accepted recipient, in RCPT order (§4.2).
/// TCP (<c>host:port</c>) or a unix socket (<c>unix:/path</c>). Replies are read with bounded lines
/// and a bounded number of lines; every read and write has a timeout.
/// </summary>
internal sealed class LmtpSession : IAsyncDisposable
{
    private const int MaxLineLength = 4096;
    private const int MaxReplyLines = 100;

    private readonly Socket _socket;
    private readonly NetworkStream _stream;
    private readonly TimeSpan _timeout;
    private readonly byte[] _buffer = new byte[8192];
    private int _start;
    private int _end;

    private LmtpSession(Socket socket, TimeSpan timeout)
    {
        _socket = socket;
        _stream = new NetworkStream(socket, ownsSocket: true);
        _timeout = timeout;
    }

    public HashSet<string> Extensions { get; } = new(StringComparer.OrdinalIgnoreCase);

    public static async Task<LmtpSession> ConnectAsync(DeliveryHost host, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var connectTimeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        connectTimeout.CancelAfter(timeout);
        Socket socket;
        EndPoint endPoint;
        if (host.IsUnixSocket)
        {
            socket = new Socket(AddressFamily.Unix, SocketType.Stream, ProtocolType.Unspecified);
            endPoint = new UnixDomainSocketEndPoint(host.Host["unix:".Length..]);
        }
        else
        {
            // Nagle off, as for SMTP out (SmtpDeliveryAgent.ConnectSocketAsync): the content's last write and the
            // final "." would otherwise wait for the server's delayed ACK of the write before.
            socket = new Socket(SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            endPoint = IPAddress.TryParse(host.Host, out var address) ? new IPEndPoint(address, host.Port) : new DnsEndPoint(host.Host, host.Port);
        }
        try
        {
            await socket.ConnectAsync(endPoint, connectTimeout.Token);
            return new LmtpSession(socket, timeout);
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>Reads the greeting, then LHLO and its extension list.</summary>
    public async Task<LmtpReply> HandshakeAsync(string heloName, CancellationToken cancellationToken)
    {
        var greeting = await ReadReplyAsync(cancellationToken);
        if (greeting.Code != 220)
            return greeting;
        var lhlo = await CommandAsync($"LHLO {heloName}", cancellationToken);
        if (lhlo.Code == 250)
            foreach (var line in lhlo.Text.Split('\n').Skip(1))
                Extensions.Add(line.Split(' ', 2)[0].Trim());
        return lhlo;
    }

    public async Task<LmtpReply> CommandAsync(string command, CancellationToken cancellationToken)
    {
        await WriteAsync(Encoding.UTF8.GetBytes(command + "\r\n"), cancellationToken);
        return await ReadReplyAsync(cancellationToken);
    }

    /// <summary>Sends the message with dot-stuffing (RFC 5321 §4.5.2), a final CRLF if missing, and the terminating <c>.</c>.</summary>
    public async Task SendDataAsync(Stream content, CancellationToken cancellationToken)
    {
        var input = new byte[32 * 1024];
        var output = new byte[64 * 1024 + 3];
        var atLineStart = true;
        var last = (byte)'\n';
        int read;
        while ((read = await content.ReadAsync(input, cancellationToken)) > 0)
        {
            var length = 0;
            for (var i = 0; i < read; i++)
            {
                var b = input[i];
                if (atLineStart && b == (byte)'.')
                    output[length++] = (byte)'.';
                output[length++] = b;
                atLineStart = b == (byte)'\n';
                last = b;
            }
            await WriteAsync(output.AsMemory(0, length), cancellationToken);
        }
        await WriteAsync(Encoding.ASCII.GetBytes(last == (byte)'\n' ? ".\r\n" : "\r\n.\r\n"), cancellationToken);
    }

    public async Task<LmtpReply> ReadReplyAsync(CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        var lines = new List<string>();
        for (var count = 0; count < MaxReplyLines; count++)
        {
            var line = await ReadLineAsync(timeout.Token);
            if (line.Length < 3 || !int.TryParse(line.AsSpan(0, 3), out var code))
                throw new IOException($"Malformed LMTP reply line: {Printable(line)}");
            lines.Add(line.Length > 4 ? line[4..] : "");
            if (line.Length == 3 || line[3] == ' ')
                return new LmtpReply(code, string.Join('\n', lines));
            if (line[3] != '-')
                throw new IOException($"Malformed LMTP reply line: {Printable(line)}");
        }
        throw new IOException($"LMTP reply longer than {MaxReplyLines} lines.");
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        var line = new List<byte>();
        while (true)
        {
            if (_start == _end)
            {
                _start = 0;
                _end = await _stream.ReadAsync(_buffer, cancellationToken);
                if (_end == 0)
                    throw new IOException("The LMTP server closed the connection.");
            }
            var b = _buffer[_start++];
            if (b == (byte)'\n')
                return Encoding.UTF8.GetString(line.ToArray()).TrimEnd('\r');
            if (line.Count == MaxLineLength)
                throw new IOException($"LMTP reply line longer than {MaxLineLength} bytes.");
            line.Add(b);
        }
    }

    private async Task WriteAsync(ReadOnlyMemory<byte> bytes, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_timeout);
        await _stream.WriteAsync(bytes, timeout.Token);
    }

    private static string Printable(string line) => line.Length > 80 ? line[..80] + "…" : line;

    public async ValueTask DisposeAsync()
    {
        await _stream.DisposeAsync();
        _socket.Dispose();
    }
}
