using System.Diagnostics;
using System.Net.Sockets;
using System.Text;

namespace Mailflow.Bench;

/// <summary>
/// One SMTP client connection that sends messages until the shared budget is spent. Hand-written
/// (no MailKit) so the client costs little CPU next to the server under test, as smtp-source does.
/// </summary>
public sealed class SmtpLoadSession(BenchOptions options, byte[] message, Func<bool> takeMessage, Action<double> recordLatency)
{
    private readonly byte[] _buffer = new byte[8192];
    private int _start;
    private int _end;
    private NetworkStream? _stream;

    public int Errors { get; private set; }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var client = new TcpClient { NoDelay = true };
        await client.ConnectAsync(options.Host, options.Port, cancellationToken);
        _stream = client.GetStream();
        await ExpectAsync("220", cancellationToken);
        await CommandAsync("EHLO load.test", "250", cancellationToken);
        var clock = new Stopwatch();
        while (takeMessage())
        {
            clock.Restart();
            var ok = await CommandAsync($"MAIL FROM:<{options.From}>", "250", cancellationToken);
            for (var r = 1; r <= options.Recipients && ok; r++)
                ok = await CommandAsync(options.Recipients == 1 ? $"RCPT TO:<{options.To}>" : $"RCPT TO:<{r}{options.To}>", "250", cancellationToken);
            ok = ok && await CommandAsync("DATA", "354", cancellationToken);
            if (ok)
            {
                await _stream.WriteAsync(message, cancellationToken);
                ok = await ExpectAsync("250", cancellationToken);
            }
            if (ok)
            {
                recordLatency(clock.Elapsed.TotalMilliseconds);
            }
            else
            {
                Errors++;
                await CommandAsync("RSET", "250", cancellationToken);
            }
        }
        await CommandAsync("QUIT", "221", cancellationToken);
    }

    private async Task<bool> CommandAsync(string line, string expected, CancellationToken cancellationToken)
    {
        await _stream!.WriteAsync(Encoding.ASCII.GetBytes(line + "\r\n"), cancellationToken);
        return await ExpectAsync(expected, cancellationToken);
    }

    /// <summary>Reads one (possibly multi-line) reply and compares its code.</summary>
    private async Task<bool> ExpectAsync(string expected, CancellationToken cancellationToken)
    {
        while (true)
        {
            var line = await ReadLineAsync(cancellationToken);
            if (line.Length < 3)
                throw new IOException($"malformed reply '{line}'");
            if (line.Length > 3 && line[3] == '-')
                continue;
            return line.StartsWith(expected, StringComparison.Ordinal);
        }
    }

    private async Task<string> ReadLineAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var lf = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (lf >= 0)
            {
                var line = Encoding.ASCII.GetString(_buffer, _start, lf - _start).TrimEnd('\r');
                _start = lf + 1;
                return line;
            }
            if (_start > 0)
            {
                Array.Copy(_buffer, _start, _buffer, 0, _end - _start);
                _end -= _start;
                _start = 0;
            }
            if (_end == _buffer.Length)
                throw new IOException("reply line too long");
            var read = await _stream!.ReadAsync(_buffer.AsMemory(_end), cancellationToken);
            if (read == 0)
                throw new IOException("server closed the connection");
            _end += read;
        }
    }
}
