using System.Net;
using Mailflow.Server.Operations.Tracing;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Agents.BuiltIn;
using Mailflow.Server.Transport.Receive.Protocol;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Receive.Session;

// DATA and BDAT into the sink, the end-of-data agents, and the 250 only after the commit.
public sealed partial class SmtpSession
{
    private AgentMessage? _message;
    private IMessageTransaction? _transaction;
    private int _transactionCount;
    private bool _sinkFailed;
    private DataReceiver? _data;

    private long MaxMessageSize => MessageLimitsAgent.MaxMessageSizeFor(_agents);

    private async ValueTask HandleDataAsync(CancellationToken cancellationToken)
    {
        if (_message!.Recipients.Count == 0)
        {
            // RFC 2920 §3.1: DATA after all RCPTs failed gets 554 "no valid recipients".
            await ErrorAsync(SmtpReplies.NoValidRecipients, protocolError: false, cancellationToken);
            return;
        }
        if (_message.Parameters.Body == BodyType.BinaryMime)
        {
            await ErrorAsync(SmtpReplies.BinaryNeedsBdat, protocolError: true, cancellationToken);
            return;
        }
        if (!await BeginTransactionAsync(cancellationToken))
            return;
        _data = new DataReceiver(MaxMessageSize, _policy.MaxTextLineLength, _policy.BareLineEndings);
        _receiver = Receiver.Data;
        _deadlines.BeginTransfer();
        _replies.Write(SmtpReplies.StartMailInput);
    }

    private async ValueTask FinishDataAsync(CancellationToken cancellationToken)
    {
        _receiver = Receiver.Command;
        _deadlines.EndTransfer();
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
        if (_message!.Recipients.Count == 0)
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
            _bdat.BeginMessage(_message.Parameters.Body, _policy.BareLineEndings, MaxMessageSize);
        }
        _bdat.BeginChunk(bdat);
        _receiver = Receiver.Bdat;
        _deadlines.BeginTransfer();
    }

    private void StartBdatDiscard(BdatCommand bdat, SmtpReply reply, bool? protocolError = null)
    {
        _bdat.BeginDiscard(bdat, reply, protocolError);
        _receiver = Receiver.Bdat;
        _deadlines.BeginTransfer();
    }

    private async ValueTask FinishChunkAsync(CancellationToken cancellationToken)
    {
        _receiver = Receiver.Command;
        _content.Clear();
        var end = _bdat.Finish(_content, _sinkFailed);
        if (end.Kind != ChunkEndKind.MoreExpected)
            _deadlines.EndTransfer(); // between chunks of one message the transfer clock keeps running
        await WriteContentAsync(cancellationToken);
        switch (end.Kind)
        {
            case ChunkEndKind.Discarded:
                await ErrorAsync(end.Reply!, end.ProtocolError, cancellationToken);
                break;
            case ChunkEndKind.MoreExpected:
                _state = SessionState.BdatInProgress;
                _replies.Write(end.Reply!);
                break;
            default:
                await CompleteTransactionAsync(end.Reply, _bdat.Size, cancellationToken);
                break;
        }
    }

    private async ValueTask<bool> BeginTransactionAsync(CancellationToken cancellationToken, bool writeReply = true)
    {
        var message = _message!;
        var now = _dependencies.Time.GetUtcNow();
        var local = _transport.LocalEndPoint as IPEndPoint ?? new IPEndPoint(IPAddress.None, 0);
        var client = new ClientInfo(_clientAddress, _agents.ClientPort, local, _agents.HeloName!, _agents.Identity?.UserName, _transport.Tls?.Protocol, _transport.Tls?.Cipher);
        var parameters = message.Parameters;
        var envelope = new MessageEnvelope(
            message.SenderAddress, [.. message.Recipients], parameters.Body, parameters.SmtpUtf8,
            parameters.Return, parameters.EnvelopeId, client, _policy.ConnectorId, _policy.ConnectorName, now, _policy.NodeName)
        {
            RequireTls = parameters.RequireTls,
        };
        _transactionCount++;
        _sinkFailed = false;
        try
        {
            _transaction = await _dependencies.Sink.BeginAsync(envelope, cancellationToken);
            var header = ReceivedHeader.Build(_agents.HeloName!, _agents.Extended, _clientAddress, _policy.Fqdn, TlsActive, _agents.IsAuthenticated,
                parameters.SmtpUtf8, $"{Id}.{_transactionCount}", [.. message.Recipients.Select(r => r.Address)], now);
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
        {
            _content.Clear();
            return;
        }
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

    /// <summary>
    /// Runs the end-of-data agents over the staged message, then commits (and answers 250 2.6.0) or
    /// aborts with the refusal; the session returns to Ready either way.
    /// </summary>
    private async ValueTask CompleteTransactionAsync(SmtpReply? refusal, long size, CancellationToken cancellationToken)
    {
        var message = _message!;
        _state = SessionState.Ready;
        if (_sinkFailed)
            refusal = SmtpReplies.LocalError;
        if (refusal is not null || _transaction is null)
        {
            ReceiveLog.MessageRefused(Logger, Id, (refusal ?? SmtpReplies.LocalError).ToString());
            ReceiveMetrics.TransactionRefused(_policy.ConnectorName, (refusal ?? SmtpReplies.LocalError).Code);
            await AbortTransactionAsync();
            await ErrorAsync(refusal ?? SmtpReplies.LocalError, protocolError: false, cancellationToken);
            return;
        }
        var transaction = _transaction;
        using var activity = MailflowTracing.Source.StartActivity(MailflowTracing.Spans.Transaction);
        activity?.SetTag(MailflowTracing.Attributes.SessionId, Id).SetTag(MailflowTracing.Attributes.Recipients, message.Recipients.Count);
        try
        {
            // The agents read what was staged for the store: no second copy of the message.
            var content = new AgentContent(transaction.Length, transaction.OpenReadAsync);
            var outcome = await Pipeline.EndOfDataAsync(_agents, message, content, cancellationToken);
            message.Decisions.AddRange(outcome.Decisions);
            if (outcome.Delay > TimeSpan.Zero)
            {
                await _replies.FlushAsync(cancellationToken);
                await Task.Delay(outcome.Delay, _dependencies.Time, cancellationToken);
            }
            if (outcome.Refuses)
            {
                ReceiveLog.MessageRefused(Logger, Id, outcome.Verdict.Reply!.ToString());
                ReceiveMetrics.TransactionRefused(_policy.ConnectorName, outcome.Verdict.Reply!.Code);
                Record(message.Decisions, message, null);
                await AbortTransactionAsync();
                if (outcome.Verdict.Kind == AgentVerdictKind.Disconnect)
                    await CloseWithAsync(outcome.Verdict.Reply!, cancellationToken);
                else if (outcome.Verdict.Kind == AgentVerdictKind.Reject)
                    await ErrorAsync(outcome.Verdict.Reply!, protocolError: false, cancellationToken);
                else
                    _replies.Write(outcome.Verdict.Reply!);
                return;
            }
            if (outcome.Verdict.Kind == AgentVerdictKind.Discard)
            {
                var discardedId = await transaction.DiscardAsync();
                _transaction = null;
                await transaction.DisposeAsync();
                ResetTransaction();
                Record(message.Decisions, message, discardedId);
                ReceiveMetrics.TransactionEnded(_policy.ConnectorName, ReceiveMetrics.TransactionOutcome.Discarded);
                _replies.Write(SmtpReplies.Queued(discardedId));
                return;
            }
            if (outcome.Verdict.Kind == AgentVerdictKind.Quarantine)
                message.Tags.Set(AgentTagNames.QuarantineReason, outcome.Verdict.Detail ?? "held by a transport agent");
            var queueId = await transaction.CommitAsync(message.ToAdditions(), cancellationToken);
            activity?.SetTag(MailflowTracing.Attributes.QueueId, queueId).SetTag(MailflowTracing.Attributes.Outcome, "accepted");
            _transaction = null;
            await transaction.DisposeAsync();
            ResetTransaction();
            _agents.MessagesAccepted++;
            Record(message.Decisions, message, queueId);
            ReceiveLog.MessageQueued(Logger, Id, queueId, size, message.Recipients.Count);
            ReceiveMetrics.TransactionEnded(_policy.ConnectorName, ReceiveMetrics.TransactionOutcome.Accepted);
            ReceiveMetrics.Accepted(_policy.ConnectorName, size);
            _replies.Write(SmtpReplies.Queued(queueId));
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            ReceiveLog.SinkFailed(Logger, Id, exception);
            ReceiveMetrics.TransactionRefused(_policy.ConnectorName, SmtpReplies.LocalError.Code);
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
        _message = null;
        _data = null;
        _bdat.EndMessage();
        _deadlines.EndTransfer();
        _sinkFailed = false;
        if (_state is SessionState.MailGiven or SessionState.RcptGiven or SessionState.BdatInProgress)
            _state = SessionState.Ready;
    }
}
