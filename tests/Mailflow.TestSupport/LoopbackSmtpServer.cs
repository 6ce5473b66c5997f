using System.Net;
using System.Net.Security;
using System.Net.Sockets;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Mailflow.TestSupport;

/// <summary>
/// The script a <see cref="LoopbackSmtpServer"/> follows. Every hook may be changed between
/// messages; null hooks give the ordinary success reply.
/// </summary>
public sealed class LoopbackSmtpScript
{
    /// <summary>LMTP (RFC 2033): LHLO, and one reply per accepted recipient after DATA.</summary>
    public bool Lmtp { get; set; }
    public bool OfferStartTls { get; set; }
    /// <summary>The certificate STARTTLS presents; null = the shared self-signed "localhost" one.</summary>
    public X509Certificate2? Certificate { get; set; }
    /// <summary>Certificates sent after <see cref="Certificate"/> in the TLS handshake (its issuers); null = the certificate alone.</summary>
    public X509Certificate2Collection? CertificateChain { get; set; }
    public bool Offer8BitMime { get; set; } = true;
    public bool OfferDsn { get; set; } = true;
    public bool OfferSmtpUtf8 { get; set; } = true;
    /// <summary>RFC 8689 REQUIRETLS, advertised only after STARTTLS (as the RFC says).</summary>
    public bool OfferRequireTls { get; set; }
    /// <summary>RFC 2920 PIPELINING (the server reads commands in order either way).</summary>
    public bool OfferPipelining { get; set; }
    /// <summary>Announced as SIZE; null = not announced.</summary>
    public long? MaxSize { get; set; }
    /// <summary>AUTH PLAIN/LOGIN with these credentials; offered only after STARTTLS when <see cref="OfferStartTls"/> is on.</summary>
    public NetworkCredential? Credentials { get; set; }

    /// <summary>Called for each new connection (1-based number); return false to drop it before the greeting.</summary>
    public Func<int, bool>? AcceptConnection { get; set; }
    /// <summary>Reply to MAIL FROM given the address; null = 250.</summary>
    public Func<string, string?>? MailReply { get; set; }
    /// <summary>Reply to RCPT TO given the address and how many times that address was offered so far (1-based, across connections); null = 250.</summary>
    public Func<string, int, string?>? RcptReply { get; set; }
    /// <summary>SMTP: the reply after the final dot given the message; return null to drop the connection without replying.</summary>
    public Func<ReceivedSmtpMessage, string?>? DataReply { get; set; }
    /// <summary>LMTP: the reply for one accepted recipient after the final dot; null = 250.</summary>
    public Func<string, string?>? LmtpRecipientReply { get; set; }
    /// <summary>Awaited before the server answers a command (the verb is passed): a test makes the server slow by returning a task it completes later.</summary>
    public Func<string, Task>? BeforeReply { get; set; }
}

/// <summary>A message the server received (whatever it then replied).</summary>
public sealed record ReceivedSmtpMessage(
    int Connection,
    string Helo,
    string MailFromLine,
    string Sender,
    IReadOnlyList<string> RcptLines,
    IReadOnlyList<string> Recipients,
    byte[] Data,
    bool Tls,
    string? AuthenticatedUser)
{
    public string Text => Encoding.UTF8.GetString(Data);
}

/// <summary>
/// A scriptable SMTP/LMTP server on 127.0.0.1 and a kernel-chosen port, for delivery tests: the
/// "remote" a delivery agent talks to. It answers EHLO with the capabilities the script asks for
/// (8BITMIME, SIZE, DSN, SMTPUTF8, STARTTLS with a self-signed certificate, AUTH PLAIN/LOGIN), records
/// every message it reads (envelope, bytes, TLS, AUTH user) and replies as scripted: accept, 4xx or
/// 5xx per recipient or per message, drop the connection, or wait for the test. Lines are bounded;
/// dispose stops the listener and every connection.
/// </summary>
public sealed class LoopbackSmtpServer : IAsyncDisposable
{
    private const int MaxLineLength = 8192;
    private const long MaxMessageBytes = 64L * 1024 * 1024;

    private static readonly Lazy<X509Certificate2> SelfSigned = new(CreateCertificate);

    private readonly TcpListener _listener;
    private readonly CancellationTokenSource _stopping = new();
    private readonly List<Task> _connections = [];
    private readonly List<ReceivedSmtpMessage> _messages = [];
    private readonly Dictionary<string, int> _rcptCounts = new(StringComparer.OrdinalIgnoreCase);
    private readonly Task _acceptLoop;
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _connectionCount;
    private int _authCommandCount;

    private LoopbackSmtpServer(LoopbackSmtpScript script)
    {
        Script = script;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _acceptLoop = AcceptLoopAsync();
    }

    public static LoopbackSmtpServer Start(LoopbackSmtpScript? script = null) => new(script ?? new LoopbackSmtpScript());

    public LoopbackSmtpScript Script { get; }
    public string Host => "127.0.0.1";
    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;
    /// <summary>The certificate presented after STARTTLS (self-signed, CN=localhost).</summary>
    public static X509Certificate2 Certificate => SelfSigned.Value;
    public int ConnectionCount => Volatile.Read(ref _connectionCount);
    /// <summary>AUTH commands received, successful or not: a client that must not send its password sends none.</summary>
    public int AuthCommandCount => Volatile.Read(ref _authCommandCount);

    public IReadOnlyList<ReceivedSmtpMessage> Messages
    {
        get { lock (_messages) return [.. _messages]; }
    }

    /// <summary>Waits (bounded) until at least <paramref name="count"/> messages were read.</summary>
    public async Task<IReadOnlyList<ReceivedSmtpMessage>> WaitForMessagesAsync(int count, TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            Task changed;
            lock (_messages)
            {
                if (_messages.Count >= count)
                    return [.. _messages];
                changed = _changed.Task;
            }
            try
            {
                await changed.WaitAsync(cancel.Token);
            }
            catch (OperationCanceledException)
            {
                throw new TimeoutException($"The loopback SMTP server received {Messages.Count} message(s), not {count}, in time.");
            }
        }
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stopping.IsCancellationRequested)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            catch (Exception) when (_stopping.IsCancellationRequested)
            {
                return;
            }
            var number = Interlocked.Increment(ref _connectionCount);
            lock (_connections)
                _connections.Add(Task.Run(() => ServeAsync(client, number)));
        }
    }

    private async Task ServeAsync(TcpClient client, int number)
    {
        using (client)
        {
            try
            {
                if (Script.AcceptConnection?.Invoke(number) == false)
                    return;
                await new Session(this, client.GetStream(), number).RunAsync(_stopping.Token);
            }
            catch (Exception exception) when (exception is IOException or SocketException or OperationCanceledException or System.Security.Authentication.AuthenticationException)
            {
                // The client went away, or the test ended: nothing to record.
            }
        }
    }

    private void Record(ReceivedSmtpMessage message)
    {
        lock (_messages)
        {
            _messages.Add(message);
            Interlocked.Exchange(ref _changed, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
        }
    }

    private int CountRcpt(string address)
    {
        lock (_rcptCounts)
        {
            _rcptCounts[address] = _rcptCounts.GetValueOrDefault(address) + 1;
            return _rcptCounts[address];
        }
    }

    public async ValueTask DisposeAsync()
    {
        _stopping.Cancel();
        _listener.Stop();
        await _acceptLoop;
        Task[] connections;
        lock (_connections)
            connections = [.. _connections];
        await Task.WhenAll(connections);
        _stopping.Dispose();
    }

    private static X509Certificate2 CreateCertificate()
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=localhost", key, HashAlgorithmName.SHA256);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName("localhost");
        names.AddIpAddress(IPAddress.Loopback);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddDays(30));
        // Re-import so the private key is usable by SslStream on every platform.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), null);
    }

    private sealed class Session(LoopbackSmtpServer server, Stream stream, int number)
    {
        private Stream _stream = stream;
        private LineReader _reader = new(stream);
        private bool _tls;
        private string _helo = "";
        private string? _user;
        private string? _mailFromLine;
        private string _sender = "";
        private readonly List<string> _rcptLines = [];
        private readonly List<string> _recipients = [];

        private LoopbackSmtpScript Script => server.Script;

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            await WriteAsync($"220 loopback.test {(Script.Lmtp ? "LMTP" : "ESMTP")} ready", cancellationToken);
            while (true)
            {
                var line = await _reader.ReadLineAsync(cancellationToken);
                if (line is null)
                    return;
                var text = Encoding.UTF8.GetString(line).TrimEnd('\r', '\n');
                var verb = text.Split(' ', 2)[0].ToUpperInvariant();
                if (Script.BeforeReply is { } wait)
                    await wait(verb);
                switch (verb)
                {
                    case "EHLO" or "LHLO":
                        _helo = text.Length > 5 ? text[5..] : "";
                        await WriteAsync(Capabilities(), cancellationToken);
                        break;
                    case "HELO":
                        _helo = text.Length > 5 ? text[5..] : "";
                        await WriteAsync("250 loopback.test", cancellationToken);
                        break;
                    case "STARTTLS" when Script.OfferStartTls && !_tls:
                        await WriteAsync("220 2.0.0 Ready to start TLS", cancellationToken);
                        var ssl = new SslStream(_stream, leaveInnerStreamOpen: false);
                        var serverCertificate = Script.Certificate ?? Certificate;
                        await ssl.AuthenticateAsServerAsync(Script.CertificateChain is { } chain
                            ? new SslServerAuthenticationOptions { ServerCertificateContext = SslStreamCertificateContext.Create(serverCertificate, chain, offline: true) }
                            : new SslServerAuthenticationOptions { ServerCertificate = serverCertificate }, cancellationToken);
                        _stream = ssl;
                        // RFC 3207 §4.2: forget everything from before the handshake.
                        _reader = new LineReader(ssl);
                        _tls = true;
                        _helo = "";
                        ResetTransaction();
                        break;
                    case "AUTH" when Script.Credentials is not null:
                        Interlocked.Increment(ref server._authCommandCount);
                        await AuthenticateAsync(text, cancellationToken);
                        break;
                    case "MAIL":
                        _mailFromLine = text;
                        _sender = Path(text);
                        var mailReply = Script.MailReply?.Invoke(_sender) ?? "250 2.1.0 Sender OK";
                        if (!mailReply.StartsWith('2'))
                            _mailFromLine = null;
                        await WriteAsync(mailReply, cancellationToken);
                        break;
                    case "RCPT":
                        var recipient = Path(text);
                        var rcptReply = Script.RcptReply?.Invoke(recipient, server.CountRcpt(recipient)) ?? "250 2.1.5 Recipient OK";
                        if (rcptReply.StartsWith('2'))
                        {
                            _rcptLines.Add(text);
                            _recipients.Add(recipient);
                        }
                        await WriteAsync(rcptReply, cancellationToken);
                        break;
                    case "DATA":
                        if (_mailFromLine is null || _recipients.Count == 0)
                        {
                            await WriteAsync("554 5.5.1 No valid recipients", cancellationToken);
                            break;
                        }
                        await WriteAsync("354 Go ahead", cancellationToken);
                        var message = new ReceivedSmtpMessage(number, _helo, _mailFromLine, _sender, [.. _rcptLines], [.. _recipients],
                            await ReadDataAsync(cancellationToken), _tls, _user);
                        server.Record(message);
                        if (Script.BeforeReply is { } waitData)
                            await waitData("DATA-END");
                        if (Script.Lmtp)
                        {
                            foreach (var accepted in message.Recipients)
                                await WriteAsync(Script.LmtpRecipientReply?.Invoke(accepted) ?? "250 2.0.0 Delivered", cancellationToken);
                        }
                        else
                        {
                            var dataReply = Script.DataReply is null ? "250 2.0.0 Queued as loopback" : Script.DataReply(message);
                            if (dataReply is null)
                                return;
                            await WriteAsync(dataReply, cancellationToken);
                        }
                        ResetTransaction();
                        break;
                    case "RSET":
                        ResetTransaction();
                        await WriteAsync("250 2.0.0 OK", cancellationToken);
                        break;
                    case "NOOP":
                        await WriteAsync("250 2.0.0 OK", cancellationToken);
                        break;
                    case "QUIT":
                        await WriteAsync("221 2.0.0 Bye", cancellationToken);
                        return;
                    default:
                        await WriteAsync("502 5.5.2 Command not implemented", cancellationToken);
                        break;
                }
            }
        }

        private string Capabilities()
        {
            var lines = new List<string> { "loopback.test" };
            if (Script.Offer8BitMime)
                lines.Add("8BITMIME");
            if (Script.MaxSize is { } size)
                lines.Add($"SIZE {size}");
            if (Script.OfferDsn)
                lines.Add("DSN");
            if (Script.OfferSmtpUtf8)
                lines.Add("SMTPUTF8");
            if (Script.OfferPipelining)
                lines.Add("PIPELINING");
            lines.Add("ENHANCEDSTATUSCODES");
            if (Script.OfferStartTls && !_tls)
                lines.Add("STARTTLS");
            if (Script.OfferRequireTls && _tls)
                lines.Add("REQUIRETLS");
            if (Script.Credentials is not null && (_tls || !Script.OfferStartTls))
                lines.Add("AUTH PLAIN LOGIN");
            return string.Join("\r\n", lines.Select((l, i) => $"250{(i == lines.Count - 1 ? ' ' : '-')}{l}"));
        }

        private async Task AuthenticateAsync(string text, CancellationToken cancellationToken)
        {
            var parts = text.Split(' ');
            string user, password;
            if (parts.Length >= 2 && parts[1].Equals("PLAIN", StringComparison.OrdinalIgnoreCase))
            {
                var initial = parts.Length > 2 ? parts[2] : await ChallengeAsync("", cancellationToken);
                var fields = Encoding.UTF8.GetString(Convert.FromBase64String(initial)).Split('\0');
                (user, password) = fields.Length == 3 ? (fields[1], fields[2]) : ("", "");
            }
            else if (parts.Length >= 2 && parts[1].Equals("LOGIN", StringComparison.OrdinalIgnoreCase))
            {
                user = Encoding.UTF8.GetString(Convert.FromBase64String(parts.Length > 2 ? parts[2] : await ChallengeAsync("VXNlcm5hbWU6", cancellationToken)));
                password = Encoding.UTF8.GetString(Convert.FromBase64String(await ChallengeAsync("UGFzc3dvcmQ6", cancellationToken)));
            }
            else
            {
                await WriteAsync("504 5.5.4 Unrecognized authentication type", cancellationToken);
                return;
            }
            if (user == Script.Credentials!.UserName && password == Script.Credentials.Password)
            {
                _user = user;
                await WriteAsync("235 2.7.0 Authentication successful", cancellationToken);
            }
            else
            {
                await WriteAsync("535 5.7.8 Authentication credentials invalid", cancellationToken);
            }
        }

        private async Task<string> ChallengeAsync(string challenge, CancellationToken cancellationToken)
        {
            await WriteAsync("334 " + challenge, cancellationToken);
            var line = await _reader.ReadLineAsync(cancellationToken) ?? throw new IOException("Closed during AUTH.");
            return Encoding.ASCII.GetString(line).TrimEnd('\r', '\n');
        }

        private async Task<byte[]> ReadDataAsync(CancellationToken cancellationToken)
        {
            using var data = new MemoryStream();
            while (true)
            {
                var line = await _reader.ReadLineAsync(cancellationToken) ?? throw new IOException("Closed during DATA.");
                if (line is [(byte)'.', (byte)'\r', (byte)'\n'])
                    return data.ToArray();
                // RFC 5321 §4.5.2: remove the stuffed dot.
                var start = line.Length > 0 && line[0] == (byte)'.' ? 1 : 0;
                data.Write(line, start, line.Length - start);
                if (data.Length > MaxMessageBytes)
                    throw new IOException("Message too large for the loopback server.");
            }
        }

        private void ResetTransaction()
        {
            _mailFromLine = null;
            _sender = "";
            _rcptLines.Clear();
            _recipients.Clear();
        }

        private static string Path(string command)
        {
            var open = command.IndexOf('<');
            var close = command.IndexOf('>', Math.Max(open, 0));
            return open >= 0 && close > open ? command[(open + 1)..close] : "";
        }

        private async Task WriteAsync(string reply, CancellationToken cancellationToken)
        {
            await _stream.WriteAsync(Encoding.UTF8.GetBytes(reply + "\r\n"), cancellationToken);
            await _stream.FlushAsync(cancellationToken);
        }
    }

    /// <summary>Reads CRLF-terminated lines (bytes included), refusing lines longer than <see cref="MaxLineLength"/>.</summary>
    private sealed class LineReader(Stream stream)
    {
        private readonly byte[] _buffer = new byte[16 * 1024];
        private int _start;
        private int _end;

        public async Task<byte[]?> ReadLineAsync(CancellationToken cancellationToken)
        {
            var line = new MemoryStream();
            while (true)
            {
                if (_start == _end)
                {
                    _start = 0;
                    _end = await stream.ReadAsync(_buffer, cancellationToken);
                    if (_end == 0)
                        return null;
                }
                var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
                var stop = newline < 0 ? _end : newline + 1;
                line.Write(_buffer, _start, stop - _start);
                _start = stop;
                if (line.Length > MaxLineLength)
                    throw new IOException("Line too long for the loopback server.");
                if (newline >= 0)
                    return line.ToArray();
            }
        }
    }
}
