using System.Net.Sockets;
using System.Text;

namespace Mailflow.Integration.Tests;

/// <summary>
/// An SMTP client that sends exactly the lines it is given (no MailKit rewriting): for envelope
/// parameters MailKit cannot send (a client's own ORCPT) and for content whose header section the
/// test controls byte for byte. Every read has a deadline.
/// </summary>
public sealed class RawSmtp : IAsyncDisposable
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(20);
    private readonly TcpClient _tcp;
    private readonly Stream _stream;
    private readonly StreamReader _reader;

    private RawSmtp(TcpClient tcp, Stream stream)
    {
        _tcp = tcp;
        _stream = stream;
        _reader = new StreamReader(_stream, Encoding.ASCII);
    }

    /// <summary>Connects, reads the banner and says EHLO.</summary>
    /// <param name="implicitTls">TLS from the first octet (RFC 8314), the server's certificate not checked.</param>
    public static async Task<RawSmtp> ConnectAsync(int port, string helo = "client.fabrikam.test", bool implicitTls = false)
    {
        var tcp = new TcpClient();
        Stream stream;
        using (var timeout = new CancellationTokenSource(Deadline))
        {
            await tcp.ConnectAsync("127.0.0.1", port, timeout.Token);
            stream = tcp.GetStream();
            if (implicitTls)
            {
                var tls = new System.Net.Security.SslStream(stream, false, (_, _, _, _) => true);
                await tls.AuthenticateAsClientAsync(new System.Net.Security.SslClientAuthenticationOptions { TargetHost = "localhost" }, timeout.Token);
                stream = tls;
            }
        }
        var smtp = new RawSmtp(tcp, stream);
        await smtp.ExpectAsync("220");
        await smtp.SendAsync($"EHLO {helo}", "250");
        return smtp;
    }

    /// <summary>Sends one command line and returns the whole (possibly multi-line) reply; fails when it does not start with <paramref name="expected"/>.</summary>
    public async Task<string> SendAsync(string line, string expected)
    {
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(line + "\r\n"));
        return await ExpectAsync(expected);
    }

    /// <summary>DATA, the content (dot-stuffed here), the final dot; returns the reply to the end of data.</summary>
    public async Task<string> DataAsync(string content)
    {
        await SendAsync("DATA", "354");
        var stuffed = string.Join("\r\n", content.Replace("\r\n", "\n").Split('\n').Select(l => l.StartsWith('.') ? "." + l : l));
        await _stream.WriteAsync(Encoding.UTF8.GetBytes(stuffed + (stuffed.EndsWith("\r\n", StringComparison.Ordinal) ? "" : "\r\n") + ".\r\n"));
        return await ReadReplyAsync();
    }

    private async Task<string> ExpectAsync(string expected)
    {
        var reply = await ReadReplyAsync();
        if (!reply.StartsWith(expected, StringComparison.Ordinal))
            throw new InvalidOperationException($"Expected {expected}, got: {reply}");
        return reply;
    }

    public async Task<string> ReadReplyAsync()
    {
        using var timeout = new CancellationTokenSource(Deadline);
        var lines = new StringBuilder();
        while (true)
        {
            var line = await _reader.ReadLineAsync(timeout.Token) ?? throw new IOException("The server closed the connection.");
            lines.Append(line).Append('\n');
            if (line.Length < 4 || line[3] != '-')
                return lines.ToString().TrimEnd('\n');
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await _stream.WriteAsync("QUIT\r\n"u8.ToArray());
        }
        catch (IOException)
        {
            // Already closed by the server.
        }
        await _stream.DisposeAsync();
        _tcp.Dispose();
    }
}
