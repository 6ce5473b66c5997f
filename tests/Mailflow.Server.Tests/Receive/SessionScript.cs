using System.Text;
using Mailflow.Server.Tests.Receive.Fakes;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Receive.Session;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace Mailflow.Server.Tests.Receive;

/// <summary>
/// Drives a real <see cref="SmtpSession"/> over in-memory pipes (Stalwart style):
/// <c>await s.SendAsync("RCPT TO:&lt;x@remote.test&gt;", expect: "550 5.7.54")</c>.
/// Reads are bounded by a failure guard, never used for synchronization.
/// </summary>
public sealed class SessionScript : IAsyncDisposable
{
    private static readonly TimeSpan Guard = TimeSpan.FromSeconds(10);
    private readonly StringBuilder _pending = new();
    private readonly CancellationTokenSource _stop = new();

    private SessionScript(ReceivePolicy policy, PipeTransport transport, SessionDependencies dependencies)
    {
        Policy = policy;
        Transport = transport;
        Session = new SmtpSession(policy, transport, dependencies, "S1");
        Running = Session.RunAsync(_stop.Token);
    }

    public ReceivePolicy Policy { get; }
    public PipeTransport Transport { get; }
    public SmtpSession Session { get; }
    public Task Running { get; }

    public static ReceivePolicy DefaultPolicy => new()
    {
        ConnectorId = Guid.Parse("6d1e5a43-0000-4000-8000-000000000001"),
        ConnectorName = "Default Frontend",
        Fqdn = "mx.local.test",
        NodeName = "node1",
        TarpitDelay = TimeSpan.Zero,
        ProtocolLogging = true,
    };

    /// <summary>Starts a session and consumes the 220 greeting.</summary>
    public static async Task<SessionScript> StartAsync(
        ReceivePolicy? policy = null,
        RecordingSink? sink = null,
        FakeAddressAuthority? authority = null,
        ISubmissionAuthenticator? authenticator = null,
        TimeProvider? time = null,
        IProtocolLog? protocolLog = null,
        PipeTransport? transport = null,
        bool readGreeting = true,
        Mailflow.Configuration.TransportConfig? snapshot = null,
        Mailflow.Server.Transport.Agents.IAgentDecisionLog? decisions = null,
        Mailflow.Server.Transport.Agents.ITransportAgent[]? extraAgents = null)
    {
        var dependencies = TestPipeline.Dependencies(sink ?? new RecordingSink(), authority ?? new FakeAddressAuthority(), authenticator,
            protocolLog ?? new InMemoryProtocolLog(), time ?? new FakeTimeProvider(new DateTimeOffset(2025, 11, 24, 10, 0, 0, TimeSpan.Zero)),
            snapshot, decisions, extraAgents ?? []);
        var script = new SessionScript(policy ?? DefaultPolicy, transport ?? new PipeTransport(), dependencies);
        if (readGreeting)
            await script.ExpectAsync("220 mx.local.test");
        return script;
    }

    /// <summary>Sends one command line (CRLF appended) and asserts the reply starts with <paramref name="expect"/>.</summary>
    public async Task<string> SendAsync(string line, string expect)
    {
        await SendRawAsync(line + "\r\n");
        return await ExpectAsync(expect);
    }

    public async Task SendRawAsync(string text) => await SendRawAsync(Encoding.UTF8.GetBytes(text));

    public async Task SendRawAsync(byte[] bytes)
    {
        await Transport.ClientToServer.Writer.WriteAsync(bytes);
    }

    /// <summary>Reads one whole (possibly multi-line) reply and asserts its last line starts with <paramref name="expect"/>.</summary>
    public async Task<string> ExpectAsync(string expect)
    {
        var reply = await ReadReplyAsync();
        Assert.NotNull(reply);
        var last = reply!.Split("\r\n", StringSplitOptions.RemoveEmptyEntries)[^1];
        Assert.True(last.StartsWith(expect, StringComparison.Ordinal), $"Expected a reply starting with '{expect}' but got:\n{reply}");
        return reply;
    }

    public Task<string> EhloAsync(string name = "client.example") => SendAsync($"EHLO {name}", "250 ");

    /// <summary>Reads one reply (all its lines), or null when the server closed the connection.</summary>
    public async Task<string?> ReadReplyAsync()
    {
        var reader = Transport.ServerToClient.Reader;
        using var guard = new CancellationTokenSource(Guard);
        var reply = new StringBuilder();
        while (true)
        {
            var text = _pending.ToString();
            var newline = text.IndexOf("\r\n", StringComparison.Ordinal);
            if (newline >= 0)
            {
                var line = text[..newline];
                _pending.Remove(0, newline + 2);
                reply.Append(line).Append("\r\n");
                if (line.Length < 4 || line[3] == ' ')
                    return reply.ToString();
                continue;
            }
            var result = await reader.ReadAsync(guard.Token);
            foreach (var segment in result.Buffer)
                _pending.Append(Encoding.UTF8.GetString(segment.Span));
            reader.AdvanceTo(result.Buffer.End);
            if (result.IsCompleted && result.Buffer.IsEmpty)
                return reply.Length == 0 ? null : reply.ToString();
        }
    }

    /// <summary>Asserts that the session ended (and wrote nothing more).</summary>
    public async Task ExpectClosedAsync()
    {
        await Running.WaitAsync(Guard);
        await Transport.ServerToClient.Writer.CompleteAsync();
        Assert.Null(await ReadReplyAsync());
    }

    /// <summary>Asserts no reply is pending right now (after the session processed everything sent).</summary>
    public bool HasPendingOutput()
    {
        if (_pending.Length > 0)
            return true;
        var reader = Transport.ServerToClient.Reader;
        if (!reader.TryRead(out var result))
            return false;
        var any = !result.Buffer.IsEmpty;
        foreach (var segment in result.Buffer)
            _pending.Append(Encoding.UTF8.GetString(segment.Span));
        reader.AdvanceTo(result.Buffer.End);
        return any;
    }

    public async ValueTask DisposeAsync()
    {
        await Transport.ClientToServer.Writer.CompleteAsync();
        _stop.Cancel();
        try
        {
            await Running.WaitAsync(Guard);
        }
        catch (OperationCanceledException)
        {
        }
        _stop.Dispose();
    }
}
