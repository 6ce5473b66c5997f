using System.Net;
using Microsoft.Extensions.Logging;

namespace Mailflow.Server.Transport.Receive;

/// <summary>
/// Receive-stage log events: EventIds 1000–1999 (stable; EventName = method name). Never logs AUTH
/// payloads or passwords. Next free id: 1017.
/// </summary>
internal static partial class ReceiveLog
{
    [LoggerMessage(1000, LogLevel.Debug, "Session {SessionId} started on connector {Connector} from {Remote}")]
    public static partial void SessionStarted(ILogger logger, string sessionId, string connector, EndPoint? remote);

    [LoggerMessage(1001, LogLevel.Debug, "Session {SessionId} ended")]
    public static partial void SessionEnded(ILogger logger, string sessionId);

    [LoggerMessage(1002, LogLevel.Error, "Session {SessionId} failed unexpectedly; answered 421 4.3.0 and closed")]
    public static partial void SessionCrashed(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(1003, LogLevel.Debug, "Session {SessionId}: client closed the connection")]
    public static partial void ClientDisconnected(ILogger logger, string sessionId);

    [LoggerMessage(1004, LogLevel.Information, "Session {SessionId}: closing, {Reason}")]
    public static partial void Timeout(ILogger logger, string sessionId, string reason);

    [LoggerMessage(1005, LogLevel.Information, "Session {SessionId}: too many protocol errors ({Errors}), closing")]
    public static partial void TooManyErrors(ILogger logger, string sessionId, int errors);

    [LoggerMessage(1006, LogLevel.Warning, "Session {SessionId}: message store failed; answered 451 4.3.0")]
    public static partial void SinkFailed(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(1007, LogLevel.Information, "Session {SessionId}: message {QueueId} accepted ({Size} octets, {Recipients} recipients)")]
    public static partial void MessageQueued(ILogger logger, string sessionId, string queueId, long size, int recipients);

    [LoggerMessage(1008, LogLevel.Information, "Session {SessionId}: message refused: {Reason}")]
    public static partial void MessageRefused(ILogger logger, string sessionId, string reason);

    [LoggerMessage(1009, LogLevel.Warning, "Session {SessionId}: TLS handshake failed")]
    public static partial void TlsHandshakeFailed(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(1010, LogLevel.Information, "Session {SessionId}: AUTH {Mechanism} failed for {Remote}")]
    public static partial void AuthFailed(ILogger logger, string sessionId, string mechanism, EndPoint? remote);

    [LoggerMessage(1011, LogLevel.Warning, "Session {SessionId}: authenticator failed")]
    public static partial void AuthenticatorFailed(ILogger logger, string sessionId, Exception exception);

    [LoggerMessage(1012, LogLevel.Information, "Listening for SMTP on {Binding}")]
    public static partial void ListenerStarted(ILogger logger, string binding);

    [LoggerMessage(1013, LogLevel.Information, "Stopped listening for SMTP on {Binding}")]
    public static partial void ListenerStopped(ILogger logger, string binding);

    [LoggerMessage(1014, LogLevel.Information, "Connection from {Remote} on {Binding} refused: {Reason}")]
    public static partial void ConnectionRefused(ILogger logger, EndPoint? remote, string binding, string reason);

    [LoggerMessage(1015, LogLevel.Error, "Accept loop on {Binding} failed")]
    public static partial void AcceptFailed(ILogger logger, string binding, Exception exception);

    [LoggerMessage(1016, LogLevel.Warning, "Connection on {Binding} failed before the session started")]
    public static partial void ConnectionSetupFailed(ILogger logger, string binding, Exception exception);

    [LoggerMessage(1017, LogLevel.Error, "Could not listen on {Binding}; the connectors using it take no mail there until it is fixed")]
    public static partial void ListenerFailed(ILogger logger, string binding, Exception exception);
}
