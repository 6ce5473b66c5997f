namespace Mailflow.Server.Transport.Deliver;

/// <summary>Deliver stage log events: 5000–5999 (next free: 5043).</summary>
internal static partial class DeliverLog
{
    [LoggerMessage(5000, LogLevel.Debug, "Connected to {Host} for next hop {NextHop} (TLS: {Tls})")]
    public static partial void Connected(ILogger logger, string host, string nextHop, bool tls);

    [LoggerMessage(5001, LogLevel.Information, "Could not use {Host} for next hop {NextHop}: {Reason}")]
    public static partial void HostFailed(ILogger logger, string host, string nextHop, string reason);

    [LoggerMessage(5002, LogLevel.Information, "{QueueId}: {Delivered} delivered, {Deferred} deferred, {Failed} failed via {NextHop} ({Host})")]
    public static partial void BatchDone(ILogger logger, string queueId, int delivered, int deferred, int failed, string nextHop, string? host);

    [LoggerMessage(5003, LogLevel.Warning, "{QueueId}: the connection to {Host} failed during the transaction; recipients are deferred")]
    public static partial void ConnectionLost(ILogger logger, string queueId, string? host, Exception exception);

    [LoggerMessage(5004, LogLevel.Warning, "{QueueId}: unexpected failure delivering via {NextHop}; recipients are deferred, not bounced")]
    public static partial void UnexpectedFailure(ILogger logger, string queueId, string nextHop, Exception exception);

    [LoggerMessage(5005, LogLevel.Debug, "Reusing a connection to {Host} for next hop {NextHop} ({Sent} message(s) sent on it)")]
    public static partial void Reusing(ILogger logger, string host, string nextHop, int sent);

    [LoggerMessage(5010, LogLevel.Information, "{QueueId}: delivered to Maildir {Path} for {Recipient}")]
    public static partial void MaildirDelivered(ILogger logger, string queueId, string path, string recipient);

    [LoggerMessage(5011, LogLevel.Warning, "{QueueId}: Maildir delivery for {Recipient} failed; deferred")]
    public static partial void MaildirFailed(ILogger logger, string queueId, string recipient, Exception exception);

    [LoggerMessage(5012, LogLevel.Error, "{QueueId}: Maildir delivery for {Recipient} refused: {Reason}; deferred")]
    public static partial void MaildirOutsideRoot(ILogger logger, string queueId, string recipient, string reason);

    [LoggerMessage(5020, LogLevel.Warning, "{QueueId}: LMTP delivery to {Host} failed; deferred")]
    public static partial void LmtpFailed(ILogger logger, string queueId, string host, Exception exception);

    [LoggerMessage(5040, LogLevel.Information, "MTA-STS policy of {Domain} could not be had: {Reason}")]
    public static partial void MtaStsFetchFailed(ILogger logger, string domain, string reason);

    [LoggerMessage(5041, LogLevel.Warning, "{QueueId}: MTA-STS (testing) for {Domain}: {Violation}; delivered anyway")]
    public static partial void MtaStsTestingViolation(ILogger logger, string queueId, string domain, string violation);

    [LoggerMessage(5042, LogLevel.Information, "MTA-STS policy of {Domain} refuses {Host}: {Reason}")]
    public static partial void MtaStsRefused(ILogger logger, string domain, string host, string reason);
}
