namespace Mailflow.Smtp;

/// <summary>
/// The one table of well-known replies (Postfix's <c>cleanup_stat_map</c> idea): every reply the
/// receive engine sends comes from here, so codes, enhanced codes and wording stay consistent and
/// reviewable in one place. Codes: RFC 5321 §4.2.2–4.2.3; enhanced codes: RFC 3463 and the IANA
/// "Enumerated Status Codes" registry (RFC 5248).
/// </summary>
public static class SmtpReplies
{
    // --- 2yz / 3yz ---------------------------------------------------------------------------
    public static readonly SmtpReply Ok = new(250, "2.0.0", "OK");
    public static readonly SmtpReply SenderOk = new(250, "2.1.0", "Sender OK");
    public static readonly SmtpReply RecipientOk = new(250, "2.1.5", "Recipient OK");
    public static readonly SmtpReply ResetOk = new(250, "2.0.0", "Reset state");
    public static readonly SmtpReply NoopOk = new(250, "2.0.0", "OK");
    public static readonly SmtpReply Closing = new(221, "2.0.0", "Service closing transmission channel");
    public static readonly SmtpReply ReadyToStartTls = new(220, "2.0.0", "Ready to start TLS");
    /// <summary>An intermediate reply: RFC 3463 defines no class 3, so no enhanced code.</summary>
    public static readonly SmtpReply StartMailInput = new(354, EnhancedStatusCode.None, "Start mail input; end with <CRLF>.<CRLF>");
    public static readonly SmtpReply AuthSucceeded = new(235, "2.7.0", "Authentication successful");
    /// <summary>RFC 5321 §3.5.3: 252 when VRFY is not verified (the default: VRFY discloses mailboxes).</summary>
    public static readonly SmtpReply CannotVerify = new(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery");
    public static readonly SmtpReply Help = new(214, "2.0.0", "See RFC 5321 and https://www.rfc-editor.org/rfc/rfc5321");

    /// <summary>RFC 3030 §2: each non-final BDAT chunk is acknowledged with the octets received.</summary>
    public static SmtpReply ChunkReceived(long octets) => new(250, "2.0.0", $"{octets} octets received");

    /// <summary>The durable acceptance: only after the store committed the message (RFC 5321 §4.2.5 / §6.1).</summary>
    public static SmtpReply Queued(string queueId) => new(250, "2.6.0", $"<{queueId}> Queued mail for delivery");

    // --- 4yz: transient ----------------------------------------------------------------------
    /// <summary>Any failure of the store or another stage: the client keeps the message and retries.</summary>
    public static readonly SmtpReply LocalError = new(451, "4.3.0", "Requested action aborted: local error in processing");
    public static readonly SmtpReply TooManyRecipients = new(452, "4.5.3", "Too many recipients");
    /// <summary>The recipient's mailbox is at its quota (RFC 3463 X.2.2 "mailbox full"); 452, so the client retries later.</summary>
    public static readonly SmtpReply MailboxFull = new(452, "4.2.2", "Mailbox full");
    /// <summary>Back pressure (RFC 5321 §4.2.3 452, RFC 3463 X.3.1 "mail system full"): the node refuses new mail until it recovers.</summary>
    public static SmtpReply InsufficientResources(string why) => new(452, "4.3.1", $"Insufficient system resources ({why})");
    /// <summary>Nothing at all arrived for the connector's idle timeout.</summary>
    public static readonly SmtpReply IdleTimeout = new(421, "4.4.2", "Idle timeout, closing connection");
    /// <summary>A command line was started but not finished within the connector's command deadline (a trickling client).</summary>
    public static SmtpReply CommandLineTimeout(string fqdn) => new(421, "4.4.2", $"{fqdn} Command line not received in time, closing");
    /// <summary>DATA/BDAT content fell below the connector's minimum transfer rate after the grace period.</summary>
    public static SmtpReply DataTooSlow(string fqdn) => new(421, "4.4.2", $"{fqdn} Data arrived too slowly, closing");
    /// <summary>The whole session outlived the connector's connection timeout.</summary>
    public static SmtpReply ConnectionTimeLimit(string fqdn) => new(421, "4.4.2", $"{fqdn} Connection time limit reached, closing");
    /// <summary>Pre-greeting check: commands sent before the server's reply said PIPELINING (RFC 2920 §3.1).</summary>
    public static SmtpReply PipeliningNotOffered(string fqdn) => new(421, "4.5.1", $"{fqdn} Protocol error: commands sent before a reply and without PIPELINING, closing");
    public static readonly SmtpReply TooManyErrors = new(421, "4.7.0", "Too many errors, closing connection");
    public static readonly SmtpReply TooManyConnections = new(421, "4.7.0", "Too many connections, try again later");
    /// <summary>A rate limit on connections per client address (IPv6: per /64) was reached.</summary>
    public static readonly SmtpReply TooManyConnectionsFromAddress = new(421, "4.7.0", "Too many connections from your address in the last minute, try again later");
    /// <summary>A rate limit was reached: <paramref name="what"/> names what was counted ("messages from your address"), <paramref name="window"/> is minute, hour or day.</summary>
    public static SmtpReply RateLimited(string what, string window) => new(451, "4.7.1", $"Too many {what} in the last {window}, try again later");
    /// <summary>A sender limit was reached and the organization blocks senders that reach one (a compromised account stops at once).</summary>
    public static SmtpReply RateLimitedAndBlocked(string what, string window) =>
        new(451, "4.7.1", $"Too many {what} in the last {window}; this account is now blocked from sending until an administrator unblocks it");
    public static readonly SmtpReply TooManyAuthFailures = new(421, "4.7.0", "Too many failed authentication attempts, try again later");
    public static readonly SmtpReply NoConnectorForClient = new(421, "4.3.2", "Service not available, closing connection");
    /// <summary>New sessions while the node drains (maintenance mode): the client tries another node (RFC 3463 4.3.2 "system not accepting network messages").</summary>
    public static readonly SmtpReply NodeDraining = new(421, "4.3.2", "Service not available, node draining");
    public static readonly SmtpReply InternalErrorClosing = new(421, "4.3.0", "Internal error, closing connection");
    public static readonly SmtpReply ShuttingDown = new(421, "4.3.2", "Service shutting down, closing connection");
    public static readonly SmtpReply TlsNotAvailable = new(454, "4.7.0", "TLS not available due to temporary reason");
    public static readonly SmtpReply AuthTemporaryFailure = new(454, "4.7.0", "Temporary authentication failure");
    /// <summary>A transport agent closed the connection without its own text.</summary>
    public static readonly SmtpReply AgentDisconnect = new(421, "4.7.0", "Connection refused by policy, closing connection");
    /// <summary>A transport agent could not decide in time (or failed) and its failure policy is tempfail.</summary>
    public static readonly SmtpReply AgentUnavailable = new(451, "4.7.1", "Message could not be checked right now, try again later");
    /// <summary>A transport agent refused without its own text.</summary>
    public static readonly SmtpReply PolicyRejected = new(550, "5.7.1", "Rejected by policy");

    // --- 5yz: permanent, protocol ------------------------------------------------------------
    public static readonly SmtpReply UnknownCommand = new(500, "5.5.2", "Command unrecognized");
    public static readonly SmtpReply LineMustEndInCrlf = new(500, "5.5.2", "Syntax error: line must end in CRLF");
    public static readonly SmtpReply CommandLineTooLong = new(500, "5.5.6", "Line too long");
    public static readonly SmtpReply TextLineTooLong = new(500, "5.5.6", "Message line too long (RFC 5321 §4.5.3.1.6: 1000 octets including CRLF)");
    public static readonly SmtpReply SyntaxError = new(501, "5.5.2", "Syntax error in parameters or arguments");
    public static readonly SmtpReply BadSenderSyntax = new(501, "5.1.7", "Bad sender address syntax");
    public static readonly SmtpReply BadRecipientSyntax = new(501, "5.1.3", "Bad recipient address syntax");
    public static readonly SmtpReply HeloRequiresDomain = new(501, "5.5.2", "Syntax: EHLO domain or address literal");
    public static readonly SmtpReply Utf8RequiresSmtpUtf8 = new(553, "5.6.7", "Non-ASCII address requires SMTPUTF8 (RFC 6531)");
    public static readonly SmtpReply NotImplemented = new(502, "5.5.1", "Command not implemented");
    public static readonly SmtpReply BadSequence = new(503, "5.5.1", "Bad sequence of commands");
    /// <summary>RFC 3030 §2: a chunk the client had pipelined behind a refused one; drained, not acted on.</summary>
    public static readonly SmtpReply ChunkOfRefusedMessage = new(503, "5.5.1", "Bad sequence of commands: the message was already refused; chunk discarded");
    /// <summary>
    /// RFC 8689 §4.1: REQUIRETLS is only offered, and only accepted, on a TLS-protected session; X.7.10
    /// "Encryption needed" (RFC 5248) with 530, the reply of a command that needs STARTTLS first (RFC 3207 §4).
    /// </summary>
    public static readonly SmtpReply RequireTlsNeedsTls = new(530, "5.7.10", "REQUIRETLS needs a TLS-protected session: issue STARTTLS first");
    public static readonly SmtpReply UnknownParameter = new(555, "5.5.4", "MAIL FROM/RCPT TO parameters not recognized or not implemented");
    public static readonly SmtpReply BadParameterValue = new(501, "5.5.4", "Invalid parameter value");
    public static readonly SmtpReply UnsupportedAuthMechanism = new(504, "5.5.4", "Unrecognized authentication type");

    // --- 5yz: permanent, transaction ---------------------------------------------------------
    /// <summary>RFC 1870 §6.1 / RFC 3463 X.3.4: the declared or streamed size exceeds the limit.</summary>
    public static readonly SmtpReply MessageTooBig = new(552, "5.3.4", "Message size exceeds fixed maximum message size");
    /// <summary>Too many Received fields (Exchange's MaxHopCount, RFC 5321 §6.3): the message is circling between relays.</summary>
    public static readonly SmtpReply RoutingLoopDetected = new(554, "5.4.6", "Routing loop detected");
    public static readonly SmtpReply NoValidRecipients = new(554, "5.5.1", "No valid recipients");
    /// <summary>Pre-greeting check: the client talked before the banner (RFC 5321 §3.1: it must wait for it).</summary>
    public static readonly SmtpReply TalkedBeforeGreeting = new(554, "5.5.1", "Protocol error: client sent data before the greeting");
    /// <summary>SMTP smuggling (CVE-2023-51766): a bare CR or LF is never a line end, and we refuse it.</summary>
    public static readonly SmtpReply BareLineEnding = new(550, "5.6.11", "Bare CR or LF not allowed in message content; lines must end in CRLF");
    public static readonly SmtpReply BinaryNeedsBdat = new(503, "5.5.1", "BODY=BINARYMIME requires BDAT (RFC 3030 §3)");
    public static readonly SmtpReply BdatSizeInvalid = new(501, "5.5.4", "Syntax: BDAT chunk-size [LAST]");
    public static readonly SmtpReply RelayDenied = new(550, "5.7.54", "Unable to relay recipient in non-accepted domain");
    public static readonly SmtpReply UnknownRecipient = new(550, "5.1.1", "Recipient address rejected: user unknown");
    /// <summary>An authenticated sender blocked after reaching a rate limit (Exchange answers 550 5.1.8 for a restricted sender; X.7.1 says "not authorized").</summary>
    public static readonly SmtpReply SenderBlocked = new(550, "5.7.1", "This account is blocked from sending because it reached a sending limit; contact your administrator");
    public static readonly SmtpReply SendAsDenied = new(550, "5.7.60", "Client does not have permission to send as this sender");
    public static readonly SmtpReply TlsRequired = new(530, "5.7.0", "Must issue a STARTTLS command first");
    public static readonly SmtpReply AuthRequired = new(530, "5.7.0", "Authentication required");
    public static readonly SmtpReply AuthFailed = new(535, "5.7.8", "Authentication credentials invalid");
    /// <summary>RFC 4954 §6: the mechanism is only allowed over an encrypted channel.</summary>
    public static readonly SmtpReply EncryptionRequiredForAuth = new(538, "5.7.11", "Encryption required for requested authentication mechanism");
    public static readonly SmtpReply AuthCancelled = new(501, "5.0.0", "Authentication cancelled");
    public static readonly SmtpReply AlreadyAuthenticated = new(503, "5.5.1", "Already authenticated");
    public static readonly SmtpReply TlsAlreadyActive = new(503, "5.5.1", "TLS already active");
}
