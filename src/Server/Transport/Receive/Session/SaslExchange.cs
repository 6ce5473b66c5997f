using System.Net;
using System.Text;
using Mailflow.Server.Transport.Receive.Policy;
using Mailflow.Server.Transport.Receive.Protocol;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>
/// One AUTH exchange (RFC 4954) for the mechanisms we offer: PLAIN (RFC 4616) and LOGIN
/// (draft-murchison-sasl-login) with a password, OAUTHBEARER (RFC 7628) and XOAUTH2 with a bearer
/// token, each with or without an initial response. The session feeds it the AUTH command and then each
/// continuation line; it answers a challenge to send, or the outcome. A refused token is answered with the
/// mechanism's error challenge first, and 535 5.7.8 only after the client acknowledged it (RFC 7628 §3.2.3).
/// Credentials never leave this class except to the <see cref="ISubmissionAuthenticator"/> or the
/// <see cref="IBearerTokenAuthenticator"/>; the session checks which mechanisms it may offer before.
/// </summary>
internal sealed class SaslExchange(ISubmissionAuthenticator? authenticator, IBearerTokenAuthenticator? bearer, IPAddress client)
{
    public const string OAuthBearer = "OAUTHBEARER";
    public const string XOAuth2 = "XOAUTH2";

    public static bool IsBearerMechanism(string mechanism) => mechanism is OAuthBearer or XOAuth2;

    private static readonly SmtpReply PlainChallenge = new(334, EnhancedStatusCode.None, "");
    private static readonly SmtpReply LoginUserChallenge = new(334, EnhancedStatusCode.None, "VXNlcm5hbWU6"); // "Username:"
    private static readonly SmtpReply LoginPasswordChallenge = new(334, EnhancedStatusCode.None, "UGFzc3dvcmQ6"); // "Password:"

    private enum Step { Plain, LoginUser, LoginPassword, BearerResponse, BearerErrorAcknowledgement }

    private Step _step;
    private string? _loginUser;
    private string? _refusedAccount;

    public string Mechanism { get; private set; } = "";

    public ValueTask<SaslStep> StartAsync(AuthCommand auth, CancellationToken cancellationToken)
    {
        Mechanism = auth.Mechanism;
        switch (auth.Mechanism)
        {
            case "PLAIN" when auth.InitialResponse is null:
                _step = Step.Plain;
                return new(SaslStep.Challenge(PlainChallenge));
            case "PLAIN":
                return VerifyPlainAsync(auth.InitialResponse, cancellationToken);
            case "LOGIN" when auth.InitialResponse is null:
                _step = Step.LoginUser;
                return new(SaslStep.Challenge(LoginUserChallenge));
            case "LOGIN":
                return new(TakeLoginUser(auth.InitialResponse));
            case OAuthBearer or XOAuth2 when auth.InitialResponse is null:
                _step = Step.BearerResponse;
                return new(SaslStep.Challenge(PlainChallenge));
            case OAuthBearer or XOAuth2:
                return VerifyBearerAsync(auth.InitialResponse, cancellationToken);
            default:
                return new(SaslStep.Error(SmtpReplies.UnsupportedAuthMechanism, protocolError: true));
        }
    }

    /// <param name="line">The client's line, or null when it did not end in CRLF.</param>
    public ValueTask<SaslStep> ContinueAsync(string? line, CancellationToken cancellationToken)
    {
        if (line is null)
            return new(SaslStep.Error(SmtpReplies.LineMustEndInCrlf, protocolError: true));
        // RFC 7628 §3.2.3: after the error challenge the exchange can only fail, whatever the client answers
        // (%x01 for OAUTHBEARER, an empty line for XOAUTH2, or "*").
        if (_step == Step.BearerErrorAcknowledgement)
            return new(SaslStep.Failed(_refusedAccount!));
        if (line == "*")
            return new(SaslStep.Error(SmtpReplies.AuthCancelled, protocolError: false)); // RFC 4954 §4: the client cancels
        switch (_step)
        {
            case Step.Plain:
                return VerifyPlainAsync(line, cancellationToken);
            case Step.LoginUser:
                return new(TakeLoginUser(line));
            case Step.BearerResponse:
                return VerifyBearerAsync(line, cancellationToken);
            default:
                return TryDecodeBase64(line, out var password)
                    ? VerifyAsync(_loginUser!, Encoding.UTF8.GetString(password), cancellationToken)
                    : new(SaslStep.Error(SmtpReplies.SyntaxError, protocolError: true));
        }
    }

    private SaslStep TakeLoginUser(string response)
    {
        if (!TryDecodeBase64(response, out var user))
            return SaslStep.Error(SmtpReplies.SyntaxError, protocolError: true);
        _loginUser = Encoding.UTF8.GetString(user);
        _step = Step.LoginPassword;
        return SaslStep.Challenge(LoginPasswordChallenge);
    }

    private ValueTask<SaslStep> VerifyPlainAsync(string response, CancellationToken cancellationToken)
    {
        // RFC 4616: [authzid] NUL authcid NUL passwd
        if (!TryDecodeBase64(response, out var decoded))
            return new(SaslStep.Error(SmtpReplies.SyntaxError, protocolError: true));
        var parts = Encoding.UTF8.GetString(decoded).Split('\0');
        if (parts.Length != 3 || parts[1].Length == 0)
            return new(SaslStep.Error(SmtpReplies.SyntaxError, protocolError: true));
        return VerifyAsync(parts[1], parts[2], cancellationToken);
    }

    private async ValueTask<SaslStep> VerifyAsync(string user, string password, CancellationToken cancellationToken)
    {
        try
        {
            var identity = await authenticator!.AuthenticateAsync(user, password, client, cancellationToken);
            return identity is null ? SaslStep.Failed(user) : SaslStep.Succeeded(identity);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return SaslStep.Unavailable(user, exception);
        }
    }

    private async ValueTask<SaslStep> VerifyBearerAsync(string response, CancellationToken cancellationToken)
    {
        if (!TryDecodeBase64(response, out var decoded))
            return SaslStep.Error(SmtpReplies.SyntaxError, protocolError: true);
        string? user;
        string token;
        var parsed = Mechanism == OAuthBearer
            ? OAuthSaslMessage.TryParseOAuthBearer(decoded, out user, out token)
            : OAuthSaslMessage.TryParseXOAuth2(decoded, out user, out token);
        if (!parsed)
            return SaslStep.Error(SmtpReplies.SyntaxError, protocolError: true);
        BearerTokenResult result;
        try
        {
            result = await bearer!.AuthenticateAsync(token, user, client, cancellationToken);
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            return SaslStep.Unavailable(string.IsNullOrWhiteSpace(user) ? "(token)" : user, exception);
        }
        if (result.Identity is not null)
            return SaslStep.Succeeded(result.Identity);
        _refusedAccount = result.Account;
        _step = Step.BearerErrorAcknowledgement;
        return SaslStep.Challenge(Mechanism == OAuthBearer ? OAuthSaslMessage.OAuthBearerError(result.OpenIdConfiguration) : OAuthSaslMessage.XOAuth2Error());
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
}

internal enum SaslStepKind
{
    /// <summary>Send the 334 challenge and read the client's next line.</summary>
    Challenge,
    Succeeded,
    /// <summary>Wrong credentials: 535 5.7.8.</summary>
    Failed,
    /// <summary>The directory could not be asked: 454 4.7.0.</summary>
    Unavailable,
    /// <summary>Syntax, cancel or an unknown mechanism: the reply says which.</summary>
    Error,
}

internal sealed record SaslStep(SaslStepKind Kind, SmtpReply? Reply = null, SubmissionIdentity? Identity = null, string? UserName = null, bool ProtocolError = false, Exception? Exception = null)
{
    public static SaslStep Challenge(SmtpReply reply) => new(SaslStepKind.Challenge, reply);
    public static SaslStep Succeeded(SubmissionIdentity identity) => new(SaslStepKind.Succeeded, SmtpReplies.AuthSucceeded, identity, identity.UserName);
    public static SaslStep Failed(string user) => new(SaslStepKind.Failed, SmtpReplies.AuthFailed, UserName: user);
    public static SaslStep Unavailable(string user, Exception exception) => new(SaslStepKind.Unavailable, SmtpReplies.AuthTemporaryFailure, UserName: user, Exception: exception);
    public static SaslStep Error(SmtpReply reply, bool protocolError) => new(SaslStepKind.Error, reply, ProtocolError: protocolError);
}
