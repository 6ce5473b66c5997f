using System.Net;
using Mailflow.Server.Transport.Receive.Directory;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Deliver.Smtp;

/// <summary>
/// The SEND protocol log: outbound SMTP sessions (delivery to smart hosts and MX hosts) in the same format and
/// directory as the receive log, in <c>SEND{yyyyMMddHH}.log</c> files, so a failing next hop can be diagnosed
/// from the admin center. On unless <c>Mailflow:ProtocolLog:Send</c> is false.
/// </summary>
public sealed class SendProtocolLog : IAsyncDisposable
{
    private readonly string _sessionPrefix;
    private long _sessionCounter;

    public SendProtocolLog(IOptions<MailflowOptions> options, IOptions<ProtocolLogOptions> logOptions, TimeProvider time, Mailflow.Configuration.TransportConfigProvider? config = null)
    {
        Enabled = logOptions.Value.Send;
        Time = time;
        File = new FileProtocolLog(options, config is null ? null : () => config.Current.Operations.LogRetention, FileProtocolLog.SendPrefix);
        // Distinct from the receive side's ids (which are hex from the clock): "S" + clock + counter.
        _sessionPrefix = "S" + time.GetUtcNow().ToUnixTimeSeconds().ToString("x");
    }

    public bool Enabled { get; }

    public FileProtocolLog File { get; }

    internal TimeProvider Time { get; }

    /// <summary>A logger for one outbound session (MailKit calls it as bytes cross the wire); null when SEND logging is off.</summary>
    internal SmtpSendLogger? StartSession(string connectorName) =>
        Enabled ? new SmtpSendLogger(this, connectorName, $"{_sessionPrefix}{Interlocked.Increment(ref _sessionCounter):x6}") : null;

    internal void Write(string connector, string sessionId, EndPoint? local, EndPoint? remote, Receive.Policy.ProtocolDirection direction, string text) =>
        File.Write(new Receive.Policy.ProtocolLogEntry(Time.GetUtcNow(), connector, sessionId, local, remote, direction, text));

    public ValueTask DisposeAsync() => File.DisposeAsync();
}
