using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Receive.Protocol;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Receive.Session;

// STARTTLS (RFC 3207) and AUTH (RFC 4954).
public sealed partial class SmtpSession
{
    private bool _startTlsRequested;
    private SaslExchange? _sasl;

    private bool BasicAuthOfferedNow => _dependencies.Authenticator is not null && _policy.BasicAuthAllowed(TlsActive);

    private bool OAuthOfferedNow => _dependencies.BearerAuthenticator is not null && _policy.OAuthAllowed(TlsActive);

    private bool AuthOfferedNow => _agents.Identity is null && (BasicAuthOfferedNow || OAuthOfferedNow);

    /// <summary>The EHLO keyword's mechanisms (RFC 4954 §3), those usable right now only.</summary>
    private string AuthMechanismsNow => string.Join(' ',
        (BasicAuthOfferedNow ? new[] { "PLAIN", "LOGIN" } : []).Concat(OAuthOfferedNow ? [SaslExchange.OAuthBearer, SaslExchange.XOAuth2] : []));

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
        _agents.HeloName = null;
        _agents.Identity = null;
        _agents.TlsProtocol = _transport.Tls?.Protocol;
        _parser = new SmtpCommandParser();
        _state = SessionState.Connected;
        LogProtocol(ProtocolDirection.Event, $"TLS established: {_transport.Tls?.Protocol} {_transport.Tls?.Cipher}");
    }

    private async ValueTask HandleAuthAsync(AuthCommand auth, CancellationToken cancellationToken)
    {
        if (_agents.Identity is not null)
        {
            await ErrorAsync(SmtpReplies.AlreadyAuthenticated, protocolError: true, cancellationToken);
            return;
        }
        var basicOffered = _policy.OfferBasicAuth && _dependencies.Authenticator is not null;
        var oauthOffered = _policy.OfferOAuth && _dependencies.BearerAuthenticator is not null;
        if (!basicOffered && !oauthOffered)
        {
            await ErrorAsync(SmtpReplies.NotImplemented, protocolError: true, cancellationToken);
            return;
        }
        var bearer = SaslExchange.IsBearerMechanism(auth.Mechanism);
        if ((bearer && !oauthOffered) || (!bearer && !basicOffered && auth.Mechanism is "PLAIN" or "LOGIN"))
        {
            await ErrorAsync(SmtpReplies.UnsupportedAuthMechanism, protocolError: true, cancellationToken);
            return;
        }
        if (bearer ? !_policy.OAuthAllowed(TlsActive) : basicOffered && !_policy.BasicAuthAllowed(TlsActive))
        {
            await ErrorAsync(SmtpReplies.EncryptionRequiredForAuth, protocolError: false, cancellationToken);
            return;
        }
        _sasl = new SaslExchange(_dependencies.Authenticator, _dependencies.BearerAuthenticator, _clientAddress);
        await ApplySaslStepAsync(await _sasl.StartAsync(auth, cancellationToken), cancellationToken);
    }

    private async ValueTask HandleAuthContinuationAsync(string? line, CancellationToken cancellationToken)
    {
        _receiver = Receiver.Command;
        await ApplySaslStepAsync(await _sasl!.ContinueAsync(line, cancellationToken), cancellationToken);
    }

    private async ValueTask ApplySaslStepAsync(SaslStep step, CancellationToken cancellationToken)
    {
        switch (step.Kind)
        {
            case SaslStepKind.Challenge:
                _receiver = Receiver.Auth;
                _replies.Write(step.Reply!);
                return;
            case SaslStepKind.Error:
                await ErrorAsync(step.Reply!, step.ProtocolError, cancellationToken);
                return;
            case SaslStepKind.Unavailable:
                ReceiveLog.AuthenticatorFailed(Logger, Id, step.Exception!);
                await ErrorAsync(step.Reply!, protocolError: false, cancellationToken);
                return;
            case SaslStepKind.Failed:
                _agents.AuthFailures++;
                ReceiveMetrics.AuthFailed(_policy.ConnectorName);
                ReceiveLog.AuthFailed(Logger, Id, _sasl!.Mechanism, _transport.RemoteEndPoint);
                await ErrorAsync(step.Reply!, protocolError: false, cancellationToken);
                // The 535 is said; the agents may only end the session (or slow it) now.
                var afterFailure = await Pipeline.AuthAsync(_agents, new AgentAuthAttempt(_sasl.Mechanism, step.UserName, false), cancellationToken);
                Record(afterFailure.Decisions, null, null);
                if (afterFailure.Delay > TimeSpan.Zero)
                    await Task.Delay(afterFailure.Delay, _dependencies.Time, cancellationToken);
                if (afterFailure.Verdict.Kind == AgentVerdictKind.Disconnect)
                    await CloseWithAsync(afterFailure.Verdict.Reply!, cancellationToken);
                return;
            case SaslStepKind.Succeeded:
                _agents.Identity = step.Identity;
                // An agent may still refuse a correct password (a blocked, compromised account).
                var outcome = await Pipeline.AuthAsync(_agents, new AgentAuthAttempt(_sasl!.Mechanism, step.UserName, true), cancellationToken);
                if (outcome.Refuses)
                    _agents.Identity = null;
                if (await PassesAsync(outcome, null, cancellationToken))
                    _replies.Write(SmtpReplies.AuthSucceeded);
                return;
        }
    }
}
