using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Receive.Protocol;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Receive.Session;

// Connect, HELO/EHLO, MAIL and RCPT: the protocol checks, then the agents' say.
public sealed partial class SmtpSession
{
    /// <summary>Runs the connect agents, then greets (RFC 5321 §4.2, §3.1: 554 or 421 instead of 220 when refused).</summary>
    /// <returns>False when the session is already over.</returns>
    private async ValueTask<bool> GreetAsync(CancellationToken cancellationToken)
    {
        var outcome = await Pipeline.ConnectAsync(_agents, cancellationToken);
        if (outcome.Delay > TimeSpan.Zero)
            await Task.Delay(outcome.Delay, _dependencies.Time, cancellationToken);
        Record(outcome.Decisions, null, null);
        if (outcome.Refuses)
        {
            var reply = outcome.Verdict.Reply!;
            // A refused connection gets 554 ("no SMTP service here") or 421 ("not available"), then the close.
            reply = reply with { Code = outcome.Verdict.Kind == AgentVerdictKind.Reject ? 554 : 421 };
            ReceiveLog.MessageRefused(Logger, Id, reply.ToString());
            _outcome = ReceiveMetrics.SessionOutcome.Refused;
            await CloseWithAsync(reply, cancellationToken);
            return false;
        }
        // RFC 5321 §4.2 / §4.3.1: the greeting names us; enhanced codes are not yet negotiated.
        _replies.Write(new SmtpReply(220, EnhancedStatusCode.None, $"{_policy.Fqdn} {_policy.Banner}"));
        return true;
    }

    private async ValueTask HandleHeloAsync(HeloCommand helo, CancellationToken cancellationToken)
    {
        // RFC 5321 §4.1.4: EHLO/HELO in the middle of a transaction resets it.
        await AbortTransactionAsync();
        var (previousName, previousExtended) = (_agents.HeloName, _agents.Extended);
        _agents.HeloName = helo.ClientName;
        _agents.Extended = helo.Extended;
        if (!await PassesAsync(await Pipeline.HeloAsync(_agents, cancellationToken), null, cancellationToken))
        {
            (_agents.HeloName, _agents.Extended) = (previousName, previousExtended);
            return;
        }
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
        if (TlsActive)
            lines.Add("REQUIRETLS");                        // RFC 8689 §2: only on a TLS-protected session
        if (AuthOfferedNow)
            lines.Add($"AUTH {AuthMechanismsNow}");        // RFC 4954; OAUTHBEARER RFC 7628
        // The EHLO keyword list precedes ENHANCEDSTATUSCODES negotiation, so no enhanced code.
        _replies.Write(new SmtpReply(250, EnhancedStatusCode.None, string.Join('\n', lines)));
    }

    private async ValueTask HandleMailAsync(MailCommand mail, CancellationToken cancellationToken)
    {
        if (_policy.RequireTls && !TlsActive)
        {
            await ErrorAsync(SmtpReplies.TlsRequired, protocolError: false, cancellationToken);
            return;
        }
        if (mail.Sender is { IsAscii: false } && !mail.Parameters.SmtpUtf8)
        {
            await ErrorAsync(SmtpReplies.Utf8RequiresSmtpUtf8, protocolError: true, cancellationToken);
            return;
        }
        if (mail.Parameters.RequireTls && !TlsActive)
        {
            // RFC 8689 §4.1: the sender asks for TLS on every hop, and this one is already in clear.
            await ErrorAsync(SmtpReplies.RequireTlsNeedsTls, protocolError: false, cancellationToken);
            return;
        }
        var message = new AgentMessage { Sender = mail.Sender, Parameters = mail.Parameters };
        if (!await PassesAsync(await Pipeline.MailFromAsync(_agents, message, cancellationToken), message, cancellationToken))
            return;
        _message = message;
        _state = SessionState.MailGiven;
        _replies.Write(SmtpReplies.SenderOk);
    }

    private async ValueTask HandleRcptAsync(RcptCommand rcpt, CancellationToken cancellationToken)
    {
        var message = _message!;
        if (!rcpt.Recipient.IsAscii && !message.Parameters.SmtpUtf8)
        {
            await ErrorAsync(SmtpReplies.Utf8RequiresSmtpUtf8, protocolError: true, cancellationToken);
            return;
        }
        var recipient = new AgentRecipient(rcpt.Recipient, rcpt.Parameters);
        if (!await PassesAsync(await Pipeline.RcptToAsync(_agents, message, recipient, cancellationToken), message, cancellationToken))
            return;
        message.Recipients.Add(new EnvelopeRecipient(rcpt.Recipient.Address, rcpt.Parameters.Notify, rcpt.Parameters.OriginalRecipient));
        _state = SessionState.RcptGiven;
        _replies.Write(SmtpReplies.RecipientOk);
    }

    /// <summary>
    /// Applies what the agents said at a command: their tarpit delay, then — when they refused — their
    /// reply (a rejection after the connector's tarpit like every error reply; a disconnect closes).
    /// Refusals are recorded at once; other decisions about a message wait for its queue id.
    /// </summary>
    /// <returns>True when the command may succeed.</returns>
    private async ValueTask<bool> PassesAsync(AgentOutcome outcome, AgentMessage? message, CancellationToken cancellationToken)
    {
        if (outcome.Delay > TimeSpan.Zero)
        {
            await _replies.FlushAsync(cancellationToken);
            await Task.Delay(outcome.Delay, _dependencies.Time, cancellationToken);
        }
        if (outcome.Refuses || message is null)
            Record(outcome.Decisions, message, null);
        else
            message.Decisions.AddRange(outcome.Decisions);
        switch (outcome.Verdict.Kind)
        {
            case AgentVerdictKind.Reject:
                await ErrorAsync(outcome.Verdict.Reply!, protocolError: false, cancellationToken);
                return false;
            case AgentVerdictKind.TempFail:
                _replies.Write(outcome.Verdict.Reply!);
                return false;
            case AgentVerdictKind.Disconnect:
                ReceiveLog.MessageRefused(Logger, Id, outcome.Verdict.Reply!.ToString());
                await CloseWithAsync(outcome.Verdict.Reply!, cancellationToken);
                return false;
            default:
                return true;
        }
    }

    private void Record(IReadOnlyList<AgentDecision> decisions, AgentMessage? message, string? queueId)
    {
        if (decisions.Count == 0)
            return;
        foreach (var decision in decisions)
            LogProtocol(ProtocolDirection.Event, decision.Describe());
        _dependencies.Decisions?.Record(_agents, message, decisions, queueId);
    }
}
