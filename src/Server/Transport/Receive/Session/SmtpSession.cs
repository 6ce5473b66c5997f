using System.Buffers;
using System.IO.Pipelines;
using System.Net;
using System.Text;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Receive.Protocol;
using Mailflow.Smtp;
using Microsoft.Extensions.Logging;

namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>
/// One ESMTP server session (RFC 5321) over a duplex pipe. Implementation summary:
/// <list type="bullet">
/// <item>Input is read with System.IO.Pipelines and handed to the current receiver: the command
///   parser (bounded lines, <see cref="SmtpCommandParser"/>), the DATA scanner
///   (<see cref="DataReceiver"/>: end of data only at CRLF.CRLF, bare CR/LF refused or normalized,
///   line and size limits while streaming), the BDAT chunk reader (RFC 3030; unless BODY=BINARYMIME
///   the chunks get the same bare CR/LF policy through <see cref="ChunkTextScanner"/>) or the AUTH
///   continuation reader (RFC 4954). Content goes to the <see cref="IMessageSink"/> slice by slice.</item>
/// <item>Which command is allowed when comes from <see cref="SmtpStateTable"/>; violations are
///   <c>503 5.5.1</c>.</item>
/// <item>Replies are queued and flushed when no complete command is left in the input
///   (PIPELINING, RFC 2920).</item>
/// <item><c>250 2.6.0 &lt;id&gt; Queued</c> is sent only after <see cref="IMessageTransaction.CommitAsync"/>
///   returned; any sink failure is <c>451 4.3.0</c> and the session goes on.</item>
/// <item>STARTTLS (RFC 3207): after <c>220</c> everything already received is discarded
///   (CVE-2011-0411) and the session returns to the post-greeting state.</item>
/// <item>Limits: protocol errors (→ <c>421 4.7.0</c>), tarpit delay before error replies, idle and
///   whole-connection timeouts through <see cref="TimeProvider"/> timers that cancel the pending read
///   (→ <c>421 4.4.2</c>), recipients per message (→ <c>452 4.5.3</c>).</item>
/// <item>An unexpected exception is logged with the session id and answered <c>421 4.3.0</c>; the
///   connection is then closed — never a silent drop.</item>
/// </list>
/// </summary>
public sealed class SmtpSession
{
    private enum Receiver
    {
        Command,
        Data,
        Bdat,
        AuthPlain,
        AuthLoginUser,
        AuthLoginPassword,
    }

    private static readonly SmtpReply AuthPlainChallenge = new(334, EnhancedStatusCode.None, "");
    private static readonly SmtpReply AuthLoginUserChallenge = new(334, EnhancedStatusCode.None, "VXNlcm5hbWU6"); // "Username:"
    private static readonly SmtpReply AuthLoginPasswordChallenge = new(334, EnhancedStatusCode.None, "UGFzc3dvcmQ6"); // "Password:"

    private readonly ReceivePolicy _policy;
    private readonly ISmtpTransport _transport;
    private readonly SessionDependencies _dependencies;
    private readonly ReplyWriter _replies;
    private readonly List<ReadOnlyMemory<byte>> _content = [];
    private readonly List<EnvelopeRecipient> _recipients = [];
    private readonly IPAddress _clientAddress;
    private readonly ProtocolLogRedactor _logRedactor = new();

    private SmtpCommandParser _parser = new();
    private SessionState _state = SessionState.Connected;
    private Receiver _receiver = Receiver.Command;
    private string? _heloName;
    private bool _extended;
    private SubmissionIdentity? _identity;
    private MailCommand? _mail;
    private IMessageTransaction? _transaction;
    private int _transactionCount;
    private bool _sinkFailed;
    private DataReceiver? _data;
    private long _bdatRemaining;
    private bool _bdatLast;
    private long _bdatChunkSize;
    private long _bdatSize;
    private bool _bdatTooBig;
    private SmtpReply? _bdatDiscardReply;
    private bool _bdatDiscardIsProtocolError;
    private ChunkTextScanner? _bdatText;
    /// <summary>A chunked message was refused before its LAST chunk: chunks the client already pipelined are expected.</summary>
    private bool _bdatRefusedMidMessage;
    private string? _authLoginUser;
    private int _protocolErrors;
    private int _authFailures;
    private bool _startTlsRequested;
    private volatile bool _timedOut;
    private ITimer? _idleTimer;

    public SmtpSession(ReceivePolicy policy, ISmtpTransport transport, SessionDependencies dependencies, string sessionId)
    {
        _policy = policy;
        _transport = transport;
        _dependencies = dependencies;
        Id = sessionId;
        _replies = new ReplyWriter(transport, LogProtocol);
        _clientAddress = (transport.RemoteEndPoint as IPEndPoint)?.Address ?? IPAddress.None;
    }

    public string Id { get; }

    public SessionState State => _state;

    private ILogger Logger => _dependencies.Logger;

    private bool TlsActive => _transport.Tls is not null;

    private ReceiveRights Rights => _policy.RightsFor(_identity is not null);

    /// <summary>Runs the session until QUIT, a fatal limit, the client going away, or <paramref name="cancellationToken"/>.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        ReceiveLog.SessionStarted(Logger, Id, _policy.ConnectorName, _transport.RemoteEndPoint);
        LogProtocol(ProtocolDirection.Event, $"connected to {_policy.ConnectorName}{(TlsActive ? " (TLS)" : "")}");
        var time = _dependencies.Time;
        _idleTimer = time.CreateTimer(_ => OnTimeout(), null, Timeout.InfiniteTimeSpan, Timeout.InfiniteTimeSpan);
        using var connectionTimer = time.CreateTimer(_ => OnTimeout(), null, _policy.ConnectionTimeout, Timeout.InfiniteTimeSpan);
        try
        {
            // RFC 5321 §4.2 / §4.3.1: the greeting names us; enhanced codes are not yet negotiated.
            _replies.Write(new SmtpReply(220, EnhancedStatusCode.None, $"{_policy.Fqdn} {_policy.Banner}"));
            _idleTimer.Change(_policy.IdleTimeout, Timeout.InfiniteTimeSpan);
            if (await _replies.FlushAsync(cancellationToken))
                await ProcessInputAsync(cancellationToken);
            else
                ReceiveLog.ClientDisconnected(Logger, Id);
        }
        catch (Exception exception) when (IsClientGone(exception, cancellationToken))
        {
            ReceiveLog.ClientDisconnected(Logger, Id);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await TryCloseWithAsync(SmtpReplies.ShuttingDown);
        }
        catch (Exception exception)
        {
            ReceiveLog.SessionCrashed(Logger, Id, exception);
            await TryCloseWithAsync(SmtpReplies.InternalErrorClosing);
        }
        finally
        {
            _idleTimer.Dispose();
            await AbortTransactionAsync();
            LogProtocol(ProtocolDirection.Event, "disconnected");
            ReceiveLog.SessionEnded(Logger, Id);
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
                if (!_timedOut)
                {
                    _idleTimer.Change(_policy.IdleTimeout, Timeout.InfiniteTimeSpan);
                    continue;
                }
                ReceiveLog.Timeout(Logger, Id);
                await CloseWithAsync(SmtpReplies.IdleTimeout, cancellationToken);
                return;
            }

            var buffer = result.Buffer;
            var consumed = await ProcessBufferAsync(buffer, cancellationToken);
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
                _idleTimer.Change(_policy.IdleTimeout, Timeout.InfiniteTimeSpan);
                continue;
            }
            input.AdvanceTo(consumed, buffer.End);
            _idleTimer.Change(_policy.IdleTimeout, Timeout.InfiniteTimeSpan);
            if (!await _replies.FlushAsync(cancellationToken))
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
                    if (error is not null)
                        await ErrorAsync(error, protocolError: true, cancellationToken);
                    else
                        await HandleCommandAsync(command!, cancellationToken);
                    break;

                case Receiver.Data:
                    _content.Clear();
                    var done = _data!.Scan(buffer, _content, out var consumed);
                    await WriteContentAsync(cancellationToken);
                    buffer = buffer.Slice(consumed);
                    if (!done)
                        return buffer.Start;
                    await FinishDataAsync(cancellationToken);
                    break;

                case Receiver.Bdat:
                    var take = Math.Min(_bdatRemaining, buffer.Length);
                    if (take > 0)
                    {
                        _content.Clear();
                        if (_bdatDiscardReply is null)
                            CollectChunk(buffer.Slice(0, take));
                        await WriteContentAsync(cancellationToken);
                        buffer = buffer.Slice(take);
                        _bdatRemaining -= take;
                    }
                    if (_bdatRemaining > 0)
                        return buffer.Start;
                    await FinishChunkAsync(cancellationToken);
                    break;

                default:
                    if (!TryTakeLine(ref buffer, out var line, out var framingError))
                        return buffer.Start;
                    LogProtocol(ProtocolDirection.Received, ProtocolLogRedactor.DescribeContinuation());
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
        var complete = _parser.TryTakeLine(ref reader, out var raw, out error);
        buffer = buffer.Slice(reader.Position);
        if (complete && error is null)
            line = Encoding.ASCII.GetString(raw);
        return complete;
    }

    // ----------------------------------------------------------------------------------------
    // Commands

    private async ValueTask HandleCommandAsync(SmtpCommand command, CancellationToken cancellationToken)
    {
        if (_bdatRefusedMidMessage && command is BdatCommand pipelinedChunk && !SmtpStateTable.IsAllowed(_state, command.Verb))
        {
            // RFC 3030 §2: after a failed chunk the server "MUST be prepared to accept and discard
            // additional BDAT chunks already in the pipeline" — an honest client, so not a protocol error.
            _bdatRefusedMidMessage = !pipelinedChunk.Last;
            StartBdatDiscard(pipelinedChunk, SmtpReplies.ChunkOfRefusedMessage, protocolError: false);
            return;
        }
        _bdatRefusedMidMessage = false;
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
                await HandleHeloAsync(helo);
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
                _state = _heloName is null ? SessionState.Connected : SessionState.Ready;
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
                break;
            case SimpleCommand { Kind: SmtpVerb.StartTls }:
                await HandleStartTlsAsync(cancellationToken);
                break;
            default:
                throw new InvalidOperationException($"No handler for {command.Verb}.");
        }
    }

    private async ValueTask HandleHeloAsync(HeloCommand helo)
    {
        // RFC 5321 §4.1.4: EHLO/HELO in the middle of a transaction resets it.
        await AbortTransactionAsync();
        _heloName = helo.ClientName;
        _extended = helo.Extended;
        _state = SessionState.Ready;
        if (!helo.Extended)
        {
            _replies.Write(new SmtpReply(250, EnhancedStatusCode.None, _policy.Fqdn));
            return;
        }
        var lines = new List<string>
        {
            $"{_policy.Fqdn} Hello [{_clientAddress}]",
            "PIPELINING",                                   // RFC 2920
            $"SIZE {_policy.MaxMessageSize}",               // RFC 1870
            "8BITMIME",                                     // RFC 6152
            "BINARYMIME",                                   // RFC 3030
            "CHUNKING",                                     // RFC 3030
            "SMTPUTF8",                                     // RFC 6531
            "ENHANCEDSTATUSCODES",                          // RFC 2034
            "DSN",                                          // RFC 3461
        };
        if (_policy.OffersStartTls && !TlsActive && _transport.CanStartTls)
            lines.Add("STARTTLS");                          // RFC 3207
        if (AuthOfferedNow)
            lines.Add("AUTH PLAIN LOGIN");                  // RFC 4954
        // The EHLO keyword list precedes ENHANCEDSTATUSCODES negotiation, so no enhanced code.
        _replies.Write(new SmtpReply(250, EnhancedStatusCode.None, string.Join('\n', lines)));
    }

    private bool AuthOfferedNow =>
        _dependencies.Authenticator is not null && _identity is null && _policy.AuthAllowed(TlsActive);

    private async ValueTask HandleMailAsync(MailCommand mail, CancellationToken cancellationToken)
    {
        var parameters = mail.Parameters;
        if (_policy.RequireTls && !TlsActive)
        {
            await ErrorAsync(SmtpReplies.TlsRequired, protocolError: false, cancellationToken);
            return;
        }
        var rights = Rights;
        if ((rights & (ReceiveRights.SubmitToAcceptedDomains | ReceiveRights.RelayToAnyDomain)) == 0)
        {
            await ErrorAsync(SmtpReplies.AuthRequired, protocolError: false, cancellationToken);
            return;
        }
        if (parameters.Size > MaxMessageSizeFor(rights))
        {
            await ErrorAsync(SmtpReplies.MessageTooBig, protocolError: false, cancellationToken);
            return;
        }
        if (mail.Sender is { IsAscii: false } && !parameters.SmtpUtf8)
        {
            await ErrorAsync(SmtpReplies.Utf8RequiresSmtpUtf8, protocolError: true, cancellationToken);
            return;
        }
        if (_identity is not null && !rights.HasFlag(ReceiveRights.AcceptAnySender) && !_identity.MaySendAs(mail.Sender))
        {
            await ErrorAsync(SmtpReplies.SendAsDenied, protocolError: false, cancellationToken);
            return;
        }
        _mail = mail;
        _recipients.Clear();
        _state = SessionState.MailGiven;
        _replies.Write(SmtpReplies.SenderOk);
    }

    private async ValueTask HandleRcptAsync(RcptCommand rcpt, CancellationToken cancellationToken)
    {
        if (_recipients.Count >= _policy.MaxRecipientsPerMessage)
        {
            // RFC 5321 §4.5.3.1.10: 452 so the client sends the rest in another transaction.
            _replies.Write(SmtpReplies.TooManyRecipients);
            return;
        }
        if (!rcpt.Recipient.IsAscii && !_mail!.Parameters.SmtpUtf8)
        {
            await ErrorAsync(SmtpReplies.Utf8RequiresSmtpUtf8, protocolError: true, cancellationToken);
            return;
        }
        SmtpReply? refusal;
        try
        {
            refusal = await RelayDecision.DecideAsync(rcpt.Recipient, Rights, _dependencies.AddressAuthority, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            ReceiveLog.SinkFailed(Logger, Id, exception);
            refusal = SmtpReplies.LocalError;
        }
        if (refusal is not null)
        {
            await ErrorAsync(refusal, protocolError: false, cancellationToken);
            return;
        }
        _recipients.Add(new EnvelopeRecipient(rcpt.Recipient.Address, rcpt.Parameters.Notify, rcpt.Parameters.OriginalRecipient));
        _state = SessionState.RcptGiven;
        _replies.Write(SmtpReplies.RecipientOk);
    }

    private async ValueTask HandleDataAsync(CancellationToken cancellationToken)
    {
        if (_recipients.Count == 0)
        {
            // RFC 2920 §3.1: DATA after all RCPTs failed gets 554 "no valid recipients".
            await ErrorAsync(SmtpReplies.NoValidRecipients, protocolError: false, cancellationToken);
            return;
        }
        if (_mail!.Parameters.Body == BodyType.BinaryMime)
        {
            await ErrorAsync(SmtpReplies.BinaryNeedsBdat, protocolError: true, cancellationToken);
            return;
        }
        if (!await BeginTransactionAsync(cancellationToken))
            return;
        _data = new DataReceiver(MaxMessageSizeFor(Rights), _policy.MaxTextLineLength, _policy.BareLineEndings);
        _receiver = Receiver.Data;
        _replies.Write(SmtpReplies.StartMailInput);
    }

    private async ValueTask FinishDataAsync(CancellationToken cancellationToken)
    {
        _receiver = Receiver.Command;
        var failure = _data!.Failure;
        var size = _data.Size;
        _data = null;
        var refusal = failure switch
        {
            ContentFailure.BareLineEnding => SmtpReplies.BareLineEnding,
            ContentFailure.LineTooLong => SmtpReplies.TextLineTooLong,
            ContentFailure.TooBig => SmtpReplies.MessageTooBig,
            _ => null,
        };
        await CompleteTransactionAsync(refusal, size, cancellationToken);
    }

    private async ValueTask HandleBdatAsync(BdatCommand bdat, CancellationToken cancellationToken)
    {
        if (_recipients.Count == 0)
        {
            StartBdatDiscard(bdat, SmtpReplies.NoValidRecipients);
            return;
        }
        if (_transaction is null && _state != SessionState.BdatInProgress)
        {
            if (!await BeginTransactionAsync(cancellationToken, writeReply: false))
            {
                StartBdatDiscard(bdat, SmtpReplies.LocalError);
                return;
            }
            _bdatSize = 0;
            _bdatTooBig = false;
            _bdatText = _mail!.Parameters.Body == BodyType.BinaryMime ? null : new ChunkTextScanner(_policy.BareLineEndings);
        }
        _bdatRemaining = bdat.Size;
        _bdatChunkSize = bdat.Size;
        _bdatLast = bdat.Last;
        _bdatDiscardReply = null;
        _receiver = Receiver.Bdat;
    }

    private void StartBdatDiscard(BdatCommand bdat, SmtpReply reply, bool? protocolError = null)
    {
        _bdatRemaining = bdat.Size;
        _bdatDiscardReply = reply;
        _bdatDiscardIsProtocolError = protocolError ?? reply.Code == 503;
        _receiver = Receiver.Bdat;
    }

    private void CollectChunk(ReadOnlySequence<byte> chunk)
    {
        foreach (var memory in chunk)
        {
            if (BdatFailed)
                return;
            var first = _content.Count;
            if (_bdatText is null)
                _content.Add(memory); // BINARYMIME: any octets (RFC 3030 §3)
            else
                _bdatText.Scan(memory, _content);
            CountChunkContent(first);
        }
    }

    /// <summary>Adds the slices appended since <paramref name="first"/> to the message size, or drops them when it grows too big.</summary>
    private void CountChunkContent(int first)
    {
        long added = 0;
        for (var i = first; i < _content.Count; i++)
            added += _content[i].Length;
        if (_bdatSize + added > MaxMessageSizeFor(Rights))
        {
            _bdatTooBig = true;
            _content.RemoveRange(first, _content.Count - first);
            return;
        }
        _bdatSize += added;
    }

    private bool BdatFailed => _bdatTooBig || _sinkFailed || _bdatText?.Failed == true;

    private async ValueTask FinishChunkAsync(CancellationToken cancellationToken)
    {
        _receiver = Receiver.Command;
        if (_bdatDiscardReply is { } discardReply)
        {
            _bdatDiscardReply = null;
            await ErrorAsync(discardReply, protocolError: _bdatDiscardIsProtocolError, cancellationToken);
            return;
        }
        if (_bdatLast && _bdatText is not null && !BdatFailed)
        {
            var first = _content.Count;
            _bdatText.Complete(_content);
            CountChunkContent(first);
            await WriteContentAsync(cancellationToken);
        }
        if (!_bdatLast && !BdatFailed)
        {
            _state = SessionState.BdatInProgress;
            _replies.Write(SmtpReplies.ChunkReceived(_bdatChunkSize));
            return;
        }
        // RFC 3030 §2: a failed chunk fails the whole transaction; the transaction is reset and
        // chunks the client pipelined behind the failed one are drained.
        _bdatRefusedMidMessage = !_bdatLast;
        var refusal = _bdatTooBig ? SmtpReplies.MessageTooBig
            : _bdatText?.Failed == true ? SmtpReplies.BareLineEnding
            : null;
        await CompleteTransactionAsync(refusal, _bdatSize, cancellationToken);
    }

    private async ValueTask HandleStartTlsAsync(CancellationToken cancellationToken)
    {
        if (TlsActive)
        {
            await ErrorAsync(SmtpReplies.TlsAlreadyActive, protocolError: true, cancellationToken);
            return;
        }
        if (!_policy.OffersStartTls)
        {
            await ErrorAsync(SmtpReplies.NotImplemented, protocolError: true, cancellationToken);
            return;
        }
        if (!_transport.CanStartTls)
        {
            await ErrorAsync(SmtpReplies.TlsNotAvailable, protocolError: false, cancellationToken);
            return;
        }
        _replies.Write(SmtpReplies.ReadyToStartTls);
        await _replies.FlushAsync(cancellationToken);
        _startTlsRequested = true;
    }

    private async ValueTask UpgradeToTlsAsync(CancellationToken cancellationToken)
    {
        _startTlsRequested = false;
        try
        {
            await _transport.StartTlsAsync(cancellationToken);
        }
        catch (Exception exception) when (exception is System.Security.Authentication.AuthenticationException or IOException)
        {
            ReceiveLog.TlsHandshakeFailed(Logger, Id, exception);
            _state = SessionState.Closed;
            return;
        }
        // RFC 3207 §4.2: forget everything learned from the client before TLS.
        await AbortTransactionAsync();
        _heloName = null;
        _identity = null;
        _parser = new SmtpCommandParser();
        _state = SessionState.Connected;
        LogProtocol(ProtocolDirection.Event, $"TLS established: {_transport.Tls?.Protocol} {_transport.Tls?.Cipher}");
    }

    // ----------------------------------------------------------------------------------------
    // AUTH (RFC 4954; PLAIN RFC 4616; LOGIN draft-murchison-sasl-login)

    private async ValueTask HandleAuthAsync(AuthCommand auth, CancellationToken cancellationToken)
    {
        if (_identity is not null)
        {
            await ErrorAsync(SmtpReplies.AlreadyAuthenticated, protocolError: true, cancellationToken);
            return;
        }
        if (!_policy.OfferBasicAuth || _dependencies.Authenticator is null)
        {
            await ErrorAsync(SmtpReplies.NotImplemented, protocolError: true, cancellationToken);
            return;
        }
        if (!_policy.AuthAllowed(TlsActive))
        {
            await ErrorAsync(SmtpReplies.EncryptionRequiredForAuth, protocolError: false, cancellationToken);
            return;
        }
        switch (auth.Mechanism)
        {
            case "PLAIN" when auth.InitialResponse is null:
                _receiver = Receiver.AuthPlain;
                _replies.Write(AuthPlainChallenge);
                break;
            case "PLAIN":
                await VerifyPlainAsync(auth.InitialResponse, cancellationToken);
                break;
            case "LOGIN" when auth.InitialResponse is null:
                _receiver = Receiver.AuthLoginUser;
                _replies.Write(AuthLoginUserChallenge);
                break;
            case "LOGIN":
                await ContinueLoginWithUserAsync(auth.InitialResponse, cancellationToken);
                break;
            default:
                await ErrorAsync(SmtpReplies.UnsupportedAuthMechanism, protocolError: true, cancellationToken);
                break;
        }
    }

    private async ValueTask HandleAuthContinuationAsync(string? line, CancellationToken cancellationToken)
    {
        var step = _receiver;
        _receiver = Receiver.Command;
        if (line is null)
        {
            await ErrorAsync(SmtpReplies.LineMustEndInCrlf, protocolError: true, cancellationToken);
            return;
        }
        if (line == "*")
        {
            // RFC 4954 §4: the client cancels the exchange.
            await ErrorAsync(SmtpReplies.AuthCancelled, protocolError: false, cancellationToken);
            return;
        }
        switch (step)
        {
            case Receiver.AuthPlain:
                await VerifyPlainAsync(line, cancellationToken);
                break;
            case Receiver.AuthLoginUser:
                await ContinueLoginWithUserAsync(line, cancellationToken);
                break;
            case Receiver.AuthLoginPassword:
                if (!TryDecodeBase64(line, out var password))
                {
                    await ErrorAsync(SmtpReplies.SyntaxError, protocolError: true, cancellationToken);
                    return;
                }
                await VerifyAsync("LOGIN", _authLoginUser!, Encoding.UTF8.GetString(password), cancellationToken);
                break;
        }
    }

    private async ValueTask ContinueLoginWithUserAsync(string response, CancellationToken cancellationToken)
    {
        if (!TryDecodeBase64(response, out var user))
        {
            await ErrorAsync(SmtpReplies.SyntaxError, protocolError: true, cancellationToken);
            return;
        }
        _authLoginUser = Encoding.UTF8.GetString(user);
        _receiver = Receiver.AuthLoginPassword;
        _replies.Write(AuthLoginPasswordChallenge);
    }

    private async ValueTask VerifyPlainAsync(string response, CancellationToken cancellationToken)
    {
        // RFC 4616: [authzid] NUL authcid NUL passwd
        if (!TryDecodeBase64(response, out var decoded))
        {
            await ErrorAsync(SmtpReplies.SyntaxError, protocolError: true, cancellationToken);
            return;
        }
        var parts = Encoding.UTF8.GetString(decoded).Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0)
        {
            await ErrorAsync(SmtpReplies.SyntaxError, protocolError: true, cancellationToken);
            return;
        }
        await VerifyAsync("PLAIN", parts[1], parts[2], cancellationToken);
    }

    private async ValueTask VerifyAsync(string mechanism, string user, string password, CancellationToken cancellationToken)
    {
        SubmissionIdentity? identity;
        try
        {
            identity = await _dependencies.Authenticator!.AuthenticateAsync(user, password, _clientAddress, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            ReceiveLog.AuthenticatorFailed(Logger, Id, exception);
            await ErrorAsync(SmtpReplies.AuthTemporaryFailure, protocolError: false, cancellationToken);
            return;
        }
        if (identity is null)
        {
            _authFailures++;
            ReceiveLog.AuthFailed(Logger, Id, mechanism, _transport.RemoteEndPoint);
            await ErrorAsync(SmtpReplies.AuthFailed, protocolError: false, cancellationToken);
            if (_authFailures >= _policy.MaxAuthFailures)
                await CloseWithAsync(SmtpReplies.TooManyAuthFailures, cancellationToken);
            return;
        }
        _identity = identity;
        _replies.Write(SmtpReplies.AuthSucceeded);
    }

    private static bool TryDecodeBase64(string text, out byte[] bytes)
    {
        bytes = [];
        if (text == "=")
            return true; // RFC 4954 §4: "=" is an empty initial response
        try
        {
            bytes = Convert.FromBase64String(text);
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }

    // ----------------------------------------------------------------------------------------
    // Transactions

    private long MaxMessageSizeFor(ReceiveRights rights) =>
        rights.HasFlag(ReceiveRights.BypassMessageSizeLimit) ? long.MaxValue : _policy.MaxMessageSize;

    private async ValueTask<bool> BeginTransactionAsync(CancellationToken cancellationToken, bool writeReply = true)
    {
        var mail = _mail!;
        var now = _dependencies.Time.GetUtcNow();
        var local = _transport.LocalEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.None, 0);
        var remotePort = (_transport.RemoteEndPoint as IPEndPoint)?.Port ?? 0;
        var client = new ClientInfo(_clientAddress, remotePort, local, _heloName!, _identity?.UserName, _transport.Tls?.Protocol, _transport.Tls?.Cipher);
        var envelope = new MessageEnvelope(
            mail.Sender?.Address ?? "", [.. _recipients], mail.Parameters.Body, mail.Parameters.SmtpUtf8,
            mail.Parameters.Return, mail.Parameters.EnvelopeId, client, _policy.ConnectorId, _policy.ConnectorName, now, _policy.NodeName);
        _transactionCount++;
        _sinkFailed = false;
        try
        {
            _transaction = await _dependencies.Sink.BeginAsync(envelope, cancellationToken);
            var header = ReceivedHeader.Build(_heloName!, _extended, _clientAddress, _policy.Fqdn, TlsActive, _identity is not null,
                mail.Parameters.SmtpUtf8, $"{Id}.{_transactionCount}", [.. _recipients.Select(r => r.Address)], now);
            await _transaction.WriteAsync(header, cancellationToken);
            return true;
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            ReceiveLog.SinkFailed(Logger, Id, exception);
            await AbortTransactionAsync();
            if (writeReply)
                await ErrorAsync(SmtpReplies.LocalError, protocolError: false, cancellationToken);
            return false;
        }
    }

    private async ValueTask WriteContentAsync(CancellationToken cancellationToken)
    {
        if (_transaction is null || _sinkFailed)
            return;
        try
        {
            foreach (var slice in _content)
                await _transaction.WriteAsync(slice, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // Keep draining the client's data; the reply at the end is 451.
            ReceiveLog.SinkFailed(Logger, Id, exception);
            _sinkFailed = true;
        }
        finally
        {
            _content.Clear();
        }
    }

    /// <summary>Commits (and answers 250 2.6.0) or aborts with <paramref name="refusal"/>; the session returns to Ready either way.</summary>
    private async ValueTask CompleteTransactionAsync(SmtpReply? refusal, long size, CancellationToken cancellationToken)
    {
        var recipients = _recipients.Count;
        _state = SessionState.Ready;
        if (_sinkFailed)
            refusal = SmtpReplies.LocalError;
        if (refusal is not null || _transaction is null)
        {
            ReceiveLog.MessageRefused(Logger, Id, (refusal ?? SmtpReplies.LocalError).ToString());
            await AbortTransactionAsync();
            await ErrorAsync(refusal ?? SmtpReplies.LocalError, protocolError: false, cancellationToken);
            return;
        }
        var transaction = _transaction;
        try
        {
            var queueId = await transaction.CommitAsync(cancellationToken);
            _transaction = null;
            await transaction.DisposeAsync();
            ResetTransaction();
            ReceiveLog.MessageQueued(Logger, Id, queueId, size, recipients);
            _replies.Write(SmtpReplies.Queued(queueId));
        }
        catch (MessageRejectedException rejected)
        {
            ReceiveLog.MessageRefused(Logger, Id, $"{rejected.Reply} ({rejected.Message})");
            await AbortTransactionAsync();
            await ErrorAsync(rejected.Reply, protocolError: false, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            ReceiveLog.SinkFailed(Logger, Id, exception);
            await AbortTransactionAsync();
            await ErrorAsync(SmtpReplies.LocalError, protocolError: false, cancellationToken);
        }
    }

    private async ValueTask AbortTransactionAsync()
    {
        var transaction = _transaction;
        ResetTransaction();
        if (transaction is null)
            return;
        try
        {
            await transaction.AbortAsync();
        }
        catch (Exception exception)
        {
            ReceiveLog.SinkFailed(Logger, Id, exception);
        }
        finally
        {
            await transaction.DisposeAsync();
        }
    }

    private void ResetTransaction()
    {
        _transaction = null;
        _mail = null;
        _recipients.Clear();
        _data = null;
        _bdatSize = 0;
        _bdatTooBig = false;
        _bdatText = null;
        _sinkFailed = false;
        if (_state is SessionState.MailGiven or SessionState.RcptGiven or SessionState.BdatInProgress)
            _state = SessionState.Ready;
    }

    // ----------------------------------------------------------------------------------------
    // Errors, limits, closing

    /// <summary>
    /// Sends an error reply after the tarpit delay. Protocol errors (syntax, sequence, framing)
    /// count towards the connector's limit; reaching it closes the session with 421 4.7.0.
    /// </summary>
    private async ValueTask ErrorAsync(SmtpReply reply, bool protocolError, CancellationToken cancellationToken)
    {
        if (_policy.TarpitDelay > TimeSpan.Zero)
        {
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

    private async ValueTask CloseWithAsync(SmtpReply reply, CancellationToken cancellationToken)
    {
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
