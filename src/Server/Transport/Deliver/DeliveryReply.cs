using System.Text.RegularExpressions;

namespace Mailflow.Server.Transport.Deliver;

/// <summary>
/// What decided a recipient's outcome: the remote server's reply as it sent it, or our own reason
/// written the same way (<c>451 4.4.1 …</c>), always with an RFC 3463 enhanced status code so the
/// DSN can carry one.
/// </summary>
/// <param name="Code">The SMTP reply code (RFC 5321 §4.2): 2xx done, 4xx try again, 5xx give up.</param>
/// <param name="EnhancedCode">RFC 3463 <c>class.subject.detail</c>; taken from the text when the remote gave one, otherwise derived from the code.</param>
/// <param name="Text">The reply text without the code (and without the enhanced code).</param>
public sealed partial record DeliveryReply(int Code, string EnhancedCode, string Text)
{
    public bool IsSuccess => Code is >= 200 and < 300;
    public bool IsTransient => Code is >= 400 and < 500;
    public bool IsPermanent => Code >= 500;

    public override string ToString() => $"{Code} {EnhancedCode} {Text}";

    /// <summary>A remote reply: the enhanced code is taken from the start of the text when present (RFC 2034 §4), else derived from the reply code's class.</summary>
    public static DeliveryReply FromRemote(int code, string? text)
    {
        var body = (text ?? "").Trim().ReplaceLineEndings(" ");
        var match = EnhancedCodePrefix().Match(body);
        // Kept even when its class differs from the code's (Exchange's "550 4.4.7 expired" is one).
        if (match.Success)
            return new DeliveryReply(code, match.Groups[1].Value, body[match.Length..].TrimStart());
        // RFC 3463 §3.1: X.0.0 is "other undefined status" of the reply's class.
        var enhanced = (code / 100) switch { 2 => "2.0.0", 4 => "4.0.0", _ => "5.0.0" };
        return new DeliveryReply(code, enhanced, body);
    }

    [GeneratedRegex(@"^([245]\.\d{1,3}\.\d{1,3})(?:\s|$)")]
    private static partial Regex EnhancedCodePrefix();
}

/// <summary>Mailflow's own replies for outcomes decided without (or before) a remote reply. One table, so the texts stay consistent.</summary>
public static class DeliveryReplies
{
    /// <summary>RFC 3463 4.4.1 "No answer from host" / 4.4.2 "Bad connection": the next hop could not be reached or dropped us.</summary>
    /// <summary>Our own outbound rate limit per destination domain: the recipients wait in the queue (no attempt is counted).</summary>
    public static DeliveryReply DomainRateLimited(string domain, int limit) =>
        new(451, "4.7.1", $"Outbound rate limit for {domain} reached ({limit} messages per minute); waiting in the queue");
    public static DeliveryReply ConnectionFailed(string detail) => new(451, "4.4.1", $"Could not deliver to the next hop: {detail}");
    /// <summary>The next hop is this server itself (a smart host or MX that points back at us): deferred until the route changes.</summary>
    public static DeliveryReply RoutesBackToThisServer(string detail) => new(451, "4.4.6", $"Routing loop: {detail}; the message waits until the route changes");
    public static DeliveryReply ConnectionLost(string detail) => new(451, "4.4.2", $"The connection to the next hop was lost: {detail}");
    /// <summary>Postfix says the same ("TLS is required, but was not offered by host"); 4.7.4 "Security features not supported".</summary>
    public static DeliveryReply TlsNotOffered(string host) => new(451, "4.7.4", $"TLS is required for this next hop, but {host} does not offer STARTTLS");
    /// <summary>A recipient domain's enforced MTA-STS policy (RFC 8461 §4.2) is not met: deferred, as Postfix's MTA-STS resolver does; 4.7.5 "Cryptographic failure".</summary>
    public static DeliveryReply MtaStsNotMet(string domain, string reason) =>
        new(451, "4.7.5", $"MTA-STS policy of {domain} (enforce) not met: {reason}; the message waits in the queue");
    /// <summary>An MX host's DNSSEC-validated TLSA records (DANE, RFC 7672 §2.2) are not met: deferred, as Postfix does; 4.7.5.</summary>
    public static DeliveryReply DaneNotMet(string tlsaName, string reason) =>
        new(451, "4.7.5", $"DANE TLSA records of {tlsaName} not met: {reason}; the message waits in the queue");
    /// <summary>RFC 8689 §5: a REQUIRETLS message that no next hop can take over verified TLS with REQUIRETLS is returned, 5.7.30 "REQUIRETLS support required".</summary>
    public static DeliveryReply RequireTlsNotMet(string reason) =>
        new(550, "5.7.30", $"REQUIRETLS support required: {reason}");
    public static DeliveryReply TlsFailed(string host, string detail) => new(451, "4.7.5", $"The TLS handshake with {host} failed: {detail}");
    public static DeliveryReply AuthenticationFailed(string host) => new(451, "4.7.0", $"Authentication to {host} failed; check the send connector's credentials");
    /// <summary>RFC 1870 §6.1 / RFC 3463 5.3.4 "Message too big for system".</summary>
    public static DeliveryReply TooLargeForRemote(long size, long limit) => new(552, "5.3.4", $"The message ({size} bytes) is larger than the remote server accepts ({limit} bytes)");
    public static DeliveryReply TooLargeForConnector(long size, long limit) => new(552, "5.3.4", $"The message ({size} bytes) is larger than the send connector allows ({limit} bytes)");
    /// <summary>RFC 6531 §3.2: an SMTPUTF8 message cannot be relayed to a server without SMTPUTF8; 5.6.7 (RFC 6533).</summary>
    public static DeliveryReply Utf8NotSupported(string host) => new(553, "5.6.7", $"The message needs SMTPUTF8, which {host} does not support");
    /// <summary>Exchange's wording: 550 4.4.7 QUEUE.Expired. The status stays 4.4.7 (RFC 3463 "Delivery time expired") even though the outcome is final.</summary>
    public static DeliveryReply Expired(TimeSpan age) => new(550, "4.4.7", $"The message could not be delivered within {Describe(age)} and expired");
    /// <summary>A Maildir mailbox at its quota (RFC 3463 X.2.2): deferred, retried until it has room or the message expires.</summary>
    public static DeliveryReply MailboxFull(long usedBytes, long limitBytes) =>
        new(452, "4.2.2", $"Mailbox full: it holds {Mailflow.Configuration.MailboxQuota.Format(usedBytes)} of its {Mailflow.Configuration.MailboxQuota.Format(limitBytes)} quota");
    /// <summary>Expired while the recipient's mailbox stayed full: the NDR says so (5.2.2) rather than only "expired".</summary>
    public static DeliveryReply ExpiredMailboxFull(TimeSpan age) => new(552, "5.2.2", $"The recipient's mailbox was still full when the message expired after {Describe(age)}");
    public static DeliveryReply Unreachable() => new(451, "4.4.0", "No send connector serves this recipient's domain; the message waits until the configuration changes");
    public static DeliveryReply UnknownNextHop(string key) => new(451, "4.3.0", $"Unknown next hop '{key}'");
    public static DeliveryReply MailboxUnknown(string address) => new(550, "5.1.1", $"No mailbox for {address} on this server");
    public static DeliveryReply LocalDeliveryFailed(string detail) => new(451, "4.3.0", $"Local delivery failed: {detail}");
    public static DeliveryReply ContentMissing() => new(451, "4.3.0", "The stored message content is missing or damaged");
    /// <summary>The NDR goes to the (often external) sender: it says what happened, never which admin did it (that is in the audit log).</summary>
    public static DeliveryReply RemovedByAdministrator() => new(550, "5.3.0", "The message was removed from the queue by an administrator");

    public static string Describe(TimeSpan span) =>
        span.TotalDays >= 1 && span.TotalDays % 1 == 0 ? $"{span.TotalDays:0} day{(span.TotalDays == 1 ? "" : "s")}"
        : span.TotalHours >= 1 && span.TotalHours % 1 == 0 ? $"{span.TotalHours:0} hour{(span.TotalHours == 1 ? "" : "s")}"
        : $"{Math.Max(1, (int)span.TotalMinutes)} minute{((int)span.TotalMinutes == 1 ? "" : "s")}";
}
