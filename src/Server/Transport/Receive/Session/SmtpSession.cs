using System.Diagnostics;
using System.Buffers;
using System.Net;
using System.Text;
using Mailflow.Server.Operations.Tracing;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Receive.Protocol;
using Mailflow.Smtp;
using Microsoft.Extensions.Logging;

namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>
/// One ESMTP server session (RFC 5321) over a duplex pipe. It speaks protocol only; every decision
/// about a client or a message is a transport agent's (<see cref="TransportAgentPipeline"/>), asked at
/// connect, HELO, AUTH, MAIL, RCPT and end of data. Implementation summary, by file:
/// <list type="bullet">
/// <item>This file: the read loop and dispatch. Input is read with System.IO.Pipelines and handed to
///   the current <see cref="Receiver"/>: the command parser (bounded lines, <see cref="SmtpCommandParser"/>),
///   the DATA scanner (<see cref="DataReceiver"/>: end of data only at CRLF.CRLF), the BDAT chunk reader
///   (<see cref="BdatReceiver"/>) or the AUTH continuation reader (<see cref="SaslExchange"/>). Which
///   command is allowed when comes from <see cref="SmtpStateTable"/>; violations are <c>503 5.5.1</c>.
///   Replies are queued and flushed when no complete command is left in the input (PIPELINING,
///   RFC 2920). Limits: protocol errors (→ <c>421 4.7.0</c>), tarpit delay before error replies to
///   anonymous clients, and four clocks through <see cref="TimeProvider"/> timers that cancel the
///   pending read, each with its own <c>421 4.4.2</c> text: idleness (nothing arrives), the command
///   deadline and the minimum data rate (<see cref="SlowClientDeadlines"/>: a client trickling bytes),
///   and the whole-connection limit. An unexpected exception is logged and answered <c>421 4.3.0</c>.</item>
/// <item><c>SmtpSession.Envelope.cs</c>: connect, HELO/EHLO, MAIL, RCPT and their agents.</item>
/// <item><c>SmtpSession.Transaction.cs</c>: DATA and BDAT into the <see cref="IMessageSink"/>, the
///   end-of-data agents, and <c>250 2.6.0</c> only after the commit returned.</item>
/// <item><c>SmtpSession.Security.cs</c>: STARTTLS (RFC 3207; everything received before the handshake
///   is discarded, CVE-2011-0411) and AUTH.</item>
/// </list>
/// </summary>
public sealed partial class SmtpSession
{
    /// <summary>What consumes the next input octets (Stalwart's session state).</summary>
    private enum Receiver
    {
        Command,
        Data,
        Bdat,
        Auth,
    }

    private readonly ReceivePolicy _policy;
    private readonly ISmtpTransport _transport;
    private readonly SessionDependencies _dependencies;
    private readonly ReplyWriter _replies;
    private readonly List<ReadOnlyMemory<byte>> _content = [];
    private readonly IPAddress _clientAddress;
    private readonly AgentSession _agents;
    private readonly BdatReceiver _bdat = new();
    private readonly ProtocolLogRedactor _logRedactor = new();
    private readonly SlowClientDeadlines _deadlines;

    private SmtpCommandParser _parser = new();
    private SessionState _state = SessionState.Connected;
    private Receiver _receiver = Receiver.Command;
    private int _protocolErrors;
    private volatile bool _timedOut;
    private volatile bool _connectionTimeLimitReached;
    private ITimer? _idleTimer;
    private ITimer? _deadlineTimer;
    /// <summary>The deadline <see cref="_deadlineTimer"/> is armed for, so a read that changed nothing does not re-arm it.</summary>
    private DateTimeOffset? _deadlineArmedFor;
    /// <summary>While a read result is being processed: octets after the command (or content) being handled.</summary>
    private long? _inputAfterCurrent;
    /// <summary>How the session ended, for <see cref="ReceiveMetrics.Sessions"/>: set where it ends; a client that just goes away stays "disconnected".</summary>
    private string _outcome = ReceiveMetrics.SessionOutcome.Disconnected;

    public SmtpSession(ReceivePolicy policy, ISmtpTransport transport, SessionDependencies dependencies, string sessionId)
    {
        _policy = policy;
        _transport = transport;
        _dependencies = dependencies;
        Id = sessionId;
        _replies = new ReplyWriter(transport, LogProtocol, policy.ConnectorName);
        _deadlines = new SlowClientDeadlines(dependencies.Time, policy.CommandTimeout, policy.MinDataRate, policy.DataRateGrace);
        var remote = transport.RemoteEndPoint as IPEndPoint;
        _clientAddress = remote?.Address ?? IPAddress.None;
        _agents = new AgentSession
        {
            SessionId = sessionId,
            Policy = policy,
            Snapshot = dependencies.Snapshot(),
            ClientAddress = _clientAddress,
            ClientPort = remote?.Port ?? 0,
            LocalEndPoint = transport.LocalEndPoint as IPEndPoint,
            ConnectedAt = dependencies.Time.GetUtcNow(),
            TlsProtocol = transport.Tls?.Protocol,
            ClientInput = new InputProbe(this),
        };
    }

    public string Id { get; }

    public SessionState State => _state;

    private ILogger Logger => _dependencies.Logger;

    private bool TlsActive => _transport.Tls is not null;

    private TransportAgentPipeline Pipeline => _dependencies.Agents;

    /// <summary>Runs the session until QUIT, a fatal limit, the client going away, or <paramref name="cancellationToken"/>.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var scope = LogScopes.Session(Logger, Id, _policy.ConnectorName);
        using var activity = MailflowTracing.Source.StartActivity(MailflowTracing.Spans.Session, ActivityKind.Server);
        activity?.SetTag(MailflowTracing.Attributes.SessionId, Id).SetTag(MailflowTracing.Attributes.Connector, _policy.ConnectorName);
        ReceiveLog.SessionStarted(Logger, Id, _policy.ConnectorName, _transport.RemoteEndPoint);
        LogProtocol(ProtocolDirection.Event, $"connected to {_policy.ConnectorName}{(TlsActive ? " (TLS)" : "")}");
        var time = _dependencies.Time;
        _idleTimer = time.CreateTimer(_ => OnTimeout(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        _deadlineTimer = time.CreateTimer(_ => _transport.Input.CancelPendingRead(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        using var connectionTimer = time.CreateTimer(_ => OnConnectionTimeLimit(), null, _policy.ConnectionTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            if (await GreetAsync(cancellationToken) && await _replies.FlushAsync(cancellationToken))
            {
                _idleTimer.Change(_policy.IdleTimeout, Timeout.InfiniteTimeSpan);
                await ProcessInputAsync(cancellationToken);
            }
            else if (_state != SessionState.Closed)
                ReceiveLog.ClientDisconnected(Logger, Id);
        }
        catch (Exception exception) when (IsClientGone(exception, cancellationToken))
        {
            ReceiveLog.ClientDisconnected(Logger, Id);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            _outcome = ReceiveMetrics.SessionOutcome.Shutdown;
            await TryCloseWithAsync(SmtpReplies.ShuttingDown);
        }
        catch (Exception exception)
        {
            _outcome = ReceiveMetrics.SessionOutcome.Error;
            ReceiveLog.SessionCrashed(Logger, Id, exception);
            await TryCloseWithAsync(SmtpReplies.InternalErrorClosing);
        }
        finally
        {
            _idleTimer.Dispose();
            _deadlineTimer.Dispose();
            await AbortTransactionAsync();
            LogProtocol(ProtocolDirection.Event, "disconnected");
            ReceiveLog.SessionEnded(Logger, Id);
            ReceiveMetrics.SessionEnded(_policy.ConnectorName, _outcome);
            activity?.SetTag(MailflowTracing.Attributes.Outcome, _outcome);
        }
    }

    private async Task ProcessInputAsync(CancellationToken cancellationToken)
    {
        while (_state != SessionState.Closed)
        {
            var input = _transport.Input;
            // The idle timer was armed before the last flush, so it runs from the moment the client
            // could see our reply (Kestrel's heartbeat idea: a tick cancels the pending read).
            var result = await input.ReadAsync(cancellationToken);
            _idleTimer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);

            if (result.IsCanceled)
            {
                input.AdvanceTo(result.Buffer.Start); // nothing consumed: what arrived is read again
                if (_connectionTimeLimitReached || _timedOut)
                {
                    var why = _connectionTimeLimitReached ? $"connection time limit of {_policy.ConnectionTimeout.TotalSeconds:0} s reached" : $"idle for {_policy.IdleTimeout.TotalSeconds:0} s";
                    ReceiveLog.Timeout(Logger, Id, why);
                    LogProtocol(ProtocolDirection.Event, $"closing: {why}");
                    _outcome = ReceiveMetrics.SessionOutcome.Timeout;
                    await CloseWithAsync(_connectionTimeLimitReached ? SmtpReplies.ConnectionTimeLimit(_policy.Fqdn) : SmtpReplies.IdleTimeout, cancellationToken);
                    return;
                }
                if (await CutIfTooSlowAsync(timerFired: true, cancellationToken))
                    return;
                _idleTimer.Change(_policy.IdleTimeout, Timeout.InfiniteTimeSpan);
                continue;
            }

            var buffer = result.Buffer;
            SequencePosition consumed;
            try
            {
                consumed = await ProcessBufferAsync(buffer, cancellationToken);
            }
            finally
            {
                _inputAfterCurrent = null;
            }
            var partialLine = _receiver is Receiver.Command or Receiver.Auth && !_startTlsRequested && !buffer.Slice(consumed).IsEmpty;
            if (_startTlsRequested)
            {
                // RFC 3207 §4.2 / CVE-2011-0411: nothing the client sent before the handshake may be
                // acted on after it. Drop the rest of this buffer and whatever else already arrived.
                input.AdvanceTo(buffer.End);
                while (input.TryRead(out var pending))
                {
                    input.AdvanceTo(pending.Buffer.End);
                    if (pending.Buffer.IsEmpty || pending.IsCompleted)
                        break;
                }
                await UpgradeToTlsAsync(cancellationToken);
                _deadlines.CommandPending(false);
                _idleTimer.Change(_policy.IdleTimeout, Timeout.InfiniteTimeSpan);
                continue;
            }
            input.AdvanceTo(consumed, buffer.End);
            _deadlines.CommandPending(partialLine);
            _idleTimer.Change(_policy.IdleTimeout, Timeout.InfiniteTimeSpan);
            if (!await _replies.FlushAsync(cancellationToken))
                return;
            if (_state != SessionState.Closed && await CutIfTooSlowAsync(timerFired: false, cancellationToken))
                return;
            if (result.IsCompleted)
            {
                ReceiveLog.ClientDisconnected(Logger, Id);
                return;
            }
        }
    }

    /// <summary>Feeds the buffer to the current receivers until it needs more input; returns how far it consumed.</summary>
    private async ValueTask<SequencePosition> ProcessBufferAsync(ReadOnlySequence<byte> buffer, CancellationToken cancellationToken)
    {
        while (_state != SessionState.Closed && !_startTlsRequested)
        {
            switch (_receiver)
            {
                case Receiver.Command:
                    var before = buffer;
                    if (!TryTakeCommand(ref buffer, out var command, out var error))
                        return buffer.Start;
                    LogReceivedLine(before.Slice(0, buffer.Start), command);
                    _inputAfterCurrent = buffer.Length;
                    if (error is not null)
                        await ErrorAsync(error, protocolError: true, cancellationToken);
                    else
                        await HandleCommandAsync(command!, cancellationToken);
                    break;

                case Receiver.Data:
                    _content.Clear();
                    var done = _data!.Scan(buffer, _content, out var consumed);
                    await WriteContentAsync(cancellationToken);
                    var scanned = buffer.Length;
                    buffer = buffer.Slice(consumed);
                    _deadlines.Received(scanned - buffer.Length);
                    _inputAfterCurrent = buffer.Length;
                    if (!done)
                        return buffer.Start;
                    await FinishDataAsync(cancellationToken);
                    break;

                case Receiver.Bdat:
                    _content.Clear();
                    var taken = _bdat.Take(buffer, _content);
                    await WriteContentAsync(cancellationToken);
                    buffer = buffer.Slice(taken);
                    _deadlines.Received(taken);
                    _inputAfterCurrent = buffer.Length;
                    if (_bdat.Remaining > 0)
                        return buffer.Start;
                    await FinishChunkAsync(cancellationToken);
                    break;

                default:
                    if (!TryTakeLine(ref buffer, out var line, out var framingError))
                        return buffer.Start;
                    LogProtocol(ProtocolDirection.Received, ProtocolLogRedactor.DescribeContinuation());
                    _inputAfterCurrent = buffer.Length;
                    await HandleAuthContinuationAsync(framingError is null ? line : null, cancellationToken);
                    break;
            }
        }
        return buffer.Start;
    }

    private bool TryTakeCommand(ref ReadOnlySequence<byte> buffer, out SmtpCommand? command, out SmtpReply? error)
    {
        var reader = new SequenceReader<byte>(buffer);
        var complete = _parser.TryParse(ref reader, out command, out error);
        buffer = buffer.Slice(reader.Position);
        return complete;
    }

    private bool TryTakeLine(ref ReadOnlySequence<byte> buffer, out string? line, out SmtpReply? error)
    {
        line = null;
        var reader = new SequenceReader<byte>(buffer);
        var complete = _parser.TryTakeLine(ref reader, out var raw, out error, SmtpCommandParser.MaxAuthLineLength);
        buffer = buffer.Slice(reader.Position);
        if (complete && error is null)
            line = Encoding.ASCII.GetString(raw);
        return complete;
    }

    private async ValueTask HandleCommandAsync(SmtpCommand command, CancellationToken cancellationToken)
    {
        if (_bdat.RefusedMidMessage && command is BdatCommand pipelinedChunk && !SmtpStateTable.IsAllowed(_state, command.Verb))
        {
            // RFC 3030 §2: after a failed chunk the server "MUST be prepared to accept and discard
            // additional BDAT chunks already in the pipeline" — an honest client, so not a protocol error.
            _bdat.RefusedMidMessage = !pipelinedChunk.Last;
            StartBdatDiscard(pipelinedChunk, SmtpReplies.ChunkOfRefusedMessage, protocolError: false);
            return;
        }
        _bdat.RefusedMidMessage = false;
        if (!SmtpStateTable.IsAllowed(_state, command.Verb))
        {
            var rejection = SmtpStateTable.Reject(_state, command.Verb);
            if (command is BdatCommand refusedChunk)
                StartBdatDiscard(refusedChunk, rejection); // the chunk's octets must never be read as commands
            else
                await ErrorAsync(rejection, protocolError: true, cancellationToken);
            return;
        }

        switch (command)
        {
            case HeloCommand helo:
                await HandleHeloAsync(helo, cancellationToken);
                break;
            case MailCommand mail:
                await HandleMailAsync(mail, cancellationToken);
                break;
            case RcptCommand rcpt:
                await HandleRcptAsync(rcpt, cancellationToken);
                break;
            case BdatCommand bdat:
                await HandleBdatAsync(bdat, cancellationToken);
                break;
            case AuthCommand auth:
                await HandleAuthAsync(auth, cancellationToken);
                break;
            case VrfyCommand:
                _replies.Write(SmtpReplies.CannotVerify);
                break;
            case SimpleCommand { Kind: SmtpVerb.Data }:
                await HandleDataAsync(cancellationToken);
                break;
            case SimpleCommand { Kind: SmtpVerb.Rset }:
                await AbortTransactionAsync();
                _state = _agents.HeloName is null ? SessionState.Connected : SessionState.Ready;
                _replies.Write(SmtpReplies.ResetOk);
                break;
            case SimpleCommand { Kind: SmtpVerb.Noop }:
                _replies.Write(SmtpReplies.NoopOk);
                break;
            case SimpleCommand { Kind: SmtpVerb.Help }:
                _replies.Write(SmtpReplies.Help);
                break;
            case SimpleCommand { Kind: SmtpVerb.Quit }:
                _replies.Write(SmtpReplies.Closing);
                _state = SessionState.Closed;
                _outcome = ReceiveMetrics.SessionOutcome.Quit;
                break;
            case SimpleCommand { Kind: SmtpVerb.StartTls }:
                await HandleStartTlsAsync(cancellationToken);
                break;
            default:
                throw new InvalidOperationException($"No handler for {command.Verb}.");
        }
    }

    // ----------------------------------------------------------------------------------------
    // Errors, limits, closing

    /// <summary>
    /// Sends an error reply after the tarpit delay. Protocol errors (syntax, sequence, framing)
    /// count towards the connector's limit; reaching it closes the session with 421 4.7.0.
    /// </summary>
    private async ValueTask ErrorAsync(SmtpReply reply, bool protocolError, CancellationToken cancellationToken)
    {
        // Exchange's tarpit: slows address harvesting and dictionary attacks; authenticated sessions are never delayed.
        if (_policy.TarpitDelay > TimeSpan.Zero && !_agents.IsAuthenticated)
        {
            LogProtocol(ProtocolDirection.Event, $"tarpit: {_policy.TarpitDelay.TotalSeconds:0.###} s before {reply.Code} {reply.Enhanced}");
            await _replies.FlushAsync(cancellationToken);
            await Task.Delay(_policy.TarpitDelay, _dependencies.Time, cancellationToken);
        }
        _replies.Write(reply);
        if (protocolError && ++_protocolErrors >= _policy.MaxProtocolErrors)
        {
            ReceiveLog.TooManyErrors(Logger, Id, _protocolErrors);
            await CloseWithAsync(SmtpReplies.TooManyErrors, cancellationToken);
        }
    }

    /// <summary>Sends the last reply and closes; the session counts as "closed" by us unless the caller said why (timeout, refused).</summary>
    private async ValueTask CloseWithAsync(SmtpReply reply, CancellationToken cancellationToken)
    {
        if (_outcome == ReceiveMetrics.SessionOutcome.Disconnected)
            _outcome = ReceiveMetrics.SessionOutcome.Closed;
        _replies.Write(reply);
        _state = SessionState.Closed;
        await _replies.FlushAsync(cancellationToken);
    }

    private async ValueTask TryCloseWithAsync(SmtpReply reply)
    {
        _state = SessionState.Closed;
        try
        {
            using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(5));
            _replies.Write(reply);
            await _replies.FlushAsync(guard.Token);
        }
        catch (Exception)
        {
            // The connection is already broken; the cause was logged by the caller.
        }
    }

    private void OnTimeout()
    {
        _timedOut = true;
        _transport.Input.CancelPendingRead();
    }

    /// <summary>The session's side of <see cref="IClientInputProbe"/>: it reports, agents decide.</summary>
    private sealed class InputProbe(SmtpSession session) : IClientInputProbe
    {
        public bool HasUnansweredInput => session.HasUnansweredInput();
    }

    private bool HasUnansweredInput()
    {
        if (_inputAfterCurrent is { } after)
            return after > 0;
        // Before the banner (no read in progress): look without consuming anything.
        var input = _transport.Input;
        if (!input.TryRead(out var result))
            return false;
        var any = !result.Buffer.IsEmpty;
        input.AdvanceTo(result.Buffer.Start);
        return any;
    }

    private void OnConnectionTimeLimit()
    {
        _connectionTimeLimitReached = true;
        _transport.Input.CancelPendingRead();
    }

    /// <summary>
    /// Closes the session when the command deadline or the data rate deadline passed; otherwise (re-)arms their
    /// timer, but only when the deadline moved or the timer fired: this runs after every read.
    /// </summary>
    /// <returns>True when the session was closed.</returns>
    private async ValueTask<bool> CutIfTooSlowAsync(bool timerFired, CancellationToken cancellationToken)
    {
        if (_deadlines.EarliestDue is not { } due)
        {
            if (_deadlineArmedFor is not null)
            {
                _deadlineArmedFor = null;
                _deadlineTimer!.Change(Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
            return false;
        }
        var kind = _deadlines.Expired();
        if (kind == SlowClientKind.None)
        {
            if (timerFired || due != _deadlineArmedFor)
            {
                _deadlineArmedFor = due;
                _deadlineTimer!.Change(_deadlines.NextDue ?? Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
            }
            return false;
        }
        var why = _deadlines.Describe(kind);
        ReceiveLog.Timeout(Logger, Id, why);
        LogProtocol(ProtocolDirection.Event, $"closing slow client: {why}");
        _outcome = ReceiveMetrics.SessionOutcome.Timeout;
        await CloseWithAsync(kind == SlowClientKind.CommandLine ? SmtpReplies.CommandLineTimeout(_policy.Fqdn) : SmtpReplies.DataTooSlow(_policy.Fqdn), cancellationToken);
        return true;
    }

    private static bool IsClientGone(Exception exception, CancellationToken cancellationToken) =>
        !cancellationToken.IsCancellationRequested
        && exception is IOException or Microsoft.AspNetCore.Connections.ConnectionResetException or Microsoft.AspNetCore.Connections.ConnectionAbortedException
            or ObjectDisposedException or InvalidOperationException { Source: "System.IO.Pipelines" };

    // ----------------------------------------------------------------------------------------
    // Protocol log

    private void LogReceivedLine(ReadOnlySequence<byte> raw, SmtpCommand? command)
    {
        if (!_policy.ProtocolLogging)
            return;
        LogProtocol(ProtocolDirection.Received, _logRedactor.Describe(raw, command));
    }

    private void LogProtocol(ProtocolDirection direction, string text)
    {
        if (!_policy.ProtocolLogging)
            return;
        _dependencies.ProtocolLog.Write(new ProtocolLogEntry(_dependencies.Time.GetUtcNow(), _policy.ConnectorName, Id,
            _transport.LocalEndPoint, _transport.RemoteEndPoint, direction, text));
    }
}
