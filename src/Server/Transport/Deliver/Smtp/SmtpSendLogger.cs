using System.Net;
using System.Text;
using MailKit;
using Mailflow.Server.Transport.Receive.Policy;

namespace Mailflow.Server.Transport.Deliver.Smtp;

/// <summary>
/// MailKit's protocol logger for one outbound session, writing the SEND protocol log: our commands as sent
/// (<c>&gt;</c>), the server's replies as received (<c>&lt;</c>). AUTH secrets are masked with MailKit's own
/// detector, and the message itself (after DATA's 354, or a BDAT chunk) is logged as its size only: the log is
/// for the conversation, not a copy of the mail.
/// </summary>
internal sealed class SmtpSendLogger(SendProtocolLog log, string connector, string sessionId) : IProtocolLogger
{
    private const int MaxLine = 512;
    private static readonly byte[] DataEnd = "\r\n.\r\n"u8.ToArray();

    private readonly StringBuilder _clientLine = new();
    private readonly StringBuilder _serverLine = new();
    private EndPoint? _local;
    private EndPoint? _remote;
    private bool _awaitingDataGoAhead;
    private bool _inData;
    private long _skip;
    private long _dataBytes;
    private int _dataEndMatched = 2; // the body starts after a line break

    public string SessionId => sessionId;

    public IAuthenticationSecretDetector? AuthenticationSecretDetector { get; set; }

    /// <summary>The socket's ends, known once it is connected (before MailKit says hello).</summary>
    public void Attach(System.Net.Sockets.Socket socket)
    {
        _local = socket.LocalEndPoint;
        _remote = socket.RemoteEndPoint;
    }

    public void LogConnect(Uri uri) => Write(ProtocolDirection.Event, $"connecting to {uri.Host}:{uri.Port} for {connector}");

    public void LogClient(byte[] buffer, int offset, int count)
    {
        var bytes = Masked(buffer, offset, count);
        foreach (var b in bytes)
        {
            if (_skip > 0)
            {
                _dataBytes++;
                if (--_skip == 0)
                    EndData();
                continue;
            }
            if (_inData)
            {
                _dataBytes++;
                _dataEndMatched = b == DataEnd[_dataEndMatched] ? _dataEndMatched + 1 : b == DataEnd[0] ? 1 : 0;
                if (_dataEndMatched == DataEnd.Length)
                    EndData();
                continue;
            }
            if (b == '\n')
            {
                var line = _clientLine.ToString().TrimEnd('\r');
                _clientLine.Clear();
                Write(ProtocolDirection.Sent, line);
                OnCommand(line);
            }
            else if (_clientLine.Length < MaxLine)
            {
                _clientLine.Append((char)b);
            }
        }
    }

    public void LogServer(byte[] buffer, int offset, int count)
    {
        for (var i = offset; i < offset + count; i++)
        {
            var b = buffer[i];
            if (b == '\n')
            {
                var line = _serverLine.ToString().TrimEnd('\r');
                _serverLine.Clear();
                Write(ProtocolDirection.Received, line);
                if (_awaitingDataGoAhead && line.StartsWith("354", StringComparison.Ordinal))
                {
                    _awaitingDataGoAhead = false;
                    _inData = true;
                    _dataBytes = 0;
                    _dataEndMatched = 2;
                }
            }
            else if (_serverLine.Length < MaxLine)
            {
                _serverLine.Append((char)b);
            }
        }
    }

    private void OnCommand(string line)
    {
        if (line.Equals("DATA", StringComparison.OrdinalIgnoreCase))
            _awaitingDataGoAhead = true;
        else if (line.StartsWith("BDAT ", StringComparison.OrdinalIgnoreCase)
                 && long.TryParse(line.AsSpan(5).TrimStart().ToString().Split(' ')[0], out var size) && size > 0)
        {
            _skip = size;
            _dataBytes = 0;
        }
    }

    private void EndData()
    {
        Write(ProtocolDirection.Sent, $"*** message data: {_dataBytes} bytes ***");
        _inData = false;
        _skip = 0;
        _dataBytes = 0;
    }

    /// <summary>A copy with every secret MailKit's detector finds (AUTH PLAIN/LOGIN payloads) replaced by '*'.</summary>
    private byte[] Masked(byte[] buffer, int offset, int count)
    {
        var copy = buffer.AsSpan(offset, count).ToArray();
        if (AuthenticationSecretDetector is { } detector)
            foreach (var secret in detector.DetectSecrets(buffer, offset, count))
            {
                // The detector's indexes are into the whole buffer.
                var start = Math.Clamp(secret.StartIndex - offset, 0, count);
                copy.AsSpan(start, Math.Clamp(secret.Length, 0, count - start)).Fill((byte)'*');
            }
        return copy;
    }

    private void Write(ProtocolDirection direction, string text) => log.Write(connector, sessionId, _local, _remote, direction, text);

    public void Dispose() => Write(ProtocolDirection.Event, "disconnected");
}
