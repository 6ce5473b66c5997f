namespace Mailflow.Configuration;

/// <summary>
/// The organization's protection settings: one row, one section per family of agents (connection
/// filtering, sender filtering, anti-spam, anti-malware, rate limits), each stored as a JSON document so a new setting needs no
/// new column. The agents read them from the snapshot; defaults and their provenance live on the
/// section classes.
/// </summary>
public sealed class ProtectionSettings : IConfigurationObject
{
    public const int SingletonId = 1;

    public int Key { get; set; } = SingletonId;
    public Guid Id => new("00000000-0000-0000-0000-000000000012");
    public ConnectionFilterSettings ConnectionFilter { get; set; } = new();
    public AntiSpamSettings AntiSpam { get; set; } = new();
    public AntiMalwareSettings AntiMalware { get; set; } = new();
    public SenderFilterSettings SenderFilter { get; set; } = new();
    public RateLimitSettings RateLimits { get; set; } = new();
    public QuarantineSettings Quarantine { get; set; } = new();
    public int Revision { get; set; }

    public string DisplayName => "Protection settings";
}

/// <summary>Where the DNS block lists are consulted.</summary>
public enum DnsBlockListCheckPoint
{
    /// <summary>Before the banner: a listed client is refused with 554 5.7.1 and cannot send anything.</summary>
    Connect,
    /// <summary>At each RCPT TO: 550 5.7.1, except for postmaster@ our domains (RFC 5321 §4.5.1), so a listed sender can still reach us.</summary>
    Recipient,
}

/// <summary>Connection filtering: the DNS block lists (the IP allow and block lists are <see cref="IpListEntry"/> rows).</summary>
public sealed class ConnectionFilterSettings
{
    /// <summary>Consult the DNS block lists at all.</summary>
    public bool DnsBlockListsEnabled { get; set; } = true;
    /// <summary>At RCPT by default, as Exchange's Connection Filtering agent does, so postmaster@ stays reachable.</summary>
    public DnsBlockListCheckPoint CheckAt { get; set; } = DnsBlockListCheckPoint.Recipient;
    /// <summary>A client is refused when the weights of the lists it is on add up to at least this (postscreen's <c>postscreen_dnsbl_threshold</c>, default 1).</summary>
    public int Threshold { get; set; } = 1;
    public List<DnsBlockList> Zones { get; set; } = [];
}

/// <summary>One DNS block list zone (e.g. <c>zen.spamhaus.org</c>): which of its answers count, and how much.</summary>
public sealed class DnsBlockList
{
    /// <summary>The zone queried as <c>reversed-ip.zone</c> (RFC 5782 §2.1).</summary>
    public string Zone { get; set; } = "";
    public bool Enabled { get; set; } = true;
    /// <summary>A-record answers that count (e.g. <c>127.0.0.2</c>, <c>127.0.0.4-127.0.0.7</c>); empty = any answer in 127.0.0.0/8 (RFC 5782 §2.1).</summary>
    public List<string> ReturnCodes { get; set; } = [];
    /// <summary>How much a listing here counts toward <see cref="ConnectionFilterSettings.Threshold"/> (postscreen's <c>zone*weight</c>).</summary>
    public int Weight { get; set; } = 1;
}

/// <summary>What a content-scanning agent does when its engine cannot be reached or does not answer in time.</summary>
public enum ScannerFailureAction
{
    /// <summary>451 4.7.1: the client keeps the message and tries again.</summary>
    TempFail,
    /// <summary>Accept the message and tag it as not scanned.</summary>
    AcceptAndTag,
}

/// <summary>Anti-spam through Rspamd's HTTP protocol (<c>/checkv2</c>).</summary>
public sealed class AntiSpamSettings
{
    public bool Enabled { get; set; }
    /// <summary>Rspamd's normal worker (rspamd's default <c>localhost:11333</c>).</summary>
    public string RspamdUrl { get; set; } = "http://127.0.0.1:11333";
    /// <summary>Rspamd's controller, for learning (<c>/learnspam</c>, <c>/learnham</c>); default port 11334.</summary>
    public string? ControllerUrl { get; set; } = "http://127.0.0.1:11334";
    public int TimeoutMilliseconds { get; set; } = 15_000;
    public ScannerFailureAction OnFailure { get; set; } = ScannerFailureAction.AcceptAndTag;
    /// <summary>Authenticated senders and trusted relays (connectors whose rights allow relaying for anonymous clients) are not scanned (Exchange's Bypass-Anti-Spam right).</summary>
    public bool BypassTrustedSenders { get; set; } = true;
    /// <summary>Score from which X-Spam headers are added; null = never.</summary>
    public double? AddHeaderScore { get; set; } = 6;
    /// <summary>Score from which the subject gets <see cref="SubjectPrefix"/> (Rspamd's "rewrite subject" action); null = never.</summary>
    public double? PrependSubjectScore { get; set; }
    /// <summary>Put in front of a spam message's subject, followed by a space (SpamAssassin's and Rspamd's customary marker).</summary>
    public const string DefaultSubjectPrefix = "[SPAM]";
    public string SubjectPrefix { get; set; } = DefaultSubjectPrefix;
    /// <summary>Score from which the message is quarantined; null = never.</summary>
    public double? QuarantineScore { get; set; }
    /// <summary>Score from which the message is refused with 550 5.7.1 (Rspamd's default reject threshold: 15).</summary>
    public double? RejectScore { get; set; } = 15;
    /// <summary>Also follow Rspamd's own action ("reject", "add header", "rewrite subject") when it is stricter than the thresholds.</summary>
    public bool FollowRspamdAction { get; set; } = true;
    public string RejectText { get; set; } = "Message rejected as spam";
}

/// <summary>What the anti-malware agent does with an infected message.</summary>
public enum MalwareAction
{
    /// <summary>554 5.7.1 at end of data.</summary>
    Reject,
    /// <summary>Accept and hold it in quarantine.</summary>
    Quarantine,
}

/// <summary>Anti-malware through clamd's INSTREAM command.</summary>
public sealed class AntiMalwareSettings
{
    public bool Enabled { get; set; }
    /// <summary><c>unix:/run/clamav/clamd.ctl</c> (Debian's socket) or <c>tcp:127.0.0.1:3310</c>.</summary>
    public string ClamdAddress { get; set; } = "unix:/run/clamav/clamd.ctl";
    public int TimeoutMilliseconds { get; set; } = 30_000;
    public MalwareAction OnInfected { get; set; } = MalwareAction.Reject;
    public ScannerFailureAction OnFailure { get; set; } = ScannerFailureAction.TempFail;
    /// <summary>Messages larger than this are not scanned and are tagged "skipped" (clamd's StreamMaxLength default: 25 MB).</summary>
    public long MaxScanSizeBytes { get; set; } = 25L * 1024 * 1024;
    public string RejectText { get; set; } = "Message rejected: a virus was found";
}

/// <summary>What anti-spoofing does with an anonymous message claiming to come from one of our authoritative domains.</summary>
public enum SpoofingAction
{
    Off,
    /// <summary>550 5.7.1 at MAIL FROM (envelope) or at end of data (From header).</summary>
    Reject,
    /// <summary>Accept, tag <c>spoofing.suspect</c> and add an X-Mailflow-Spoofing header.</summary>
    Tag,
}

/// <summary>Sender filtering (Exchange's Sender Filter agent) and anti-spoofing of our own domains.</summary>
public sealed class SenderFilterSettings
{
    /// <summary>Envelope senders refused with 550 5.7.1 (whole addresses, compared without case).</summary>
    public List<string> BlockedSenders { get; set; } = [];
    /// <summary>Sender domains refused with 550 5.7.1; <c>*.example.com</c> also covers its subdomains.</summary>
    public List<string> BlockedSenderDomains { get; set; } = [];
    /// <summary>
    /// Envelope senders that are never refused by the blocked sender lists and never scanned for spam
    /// (Exchange's allowed senders); "release and allow the sender" in the quarantine adds to it.
    /// Anti-spoofing still applies.
    /// </summary>
    public List<string> AllowedSenders { get; set; } = [];
    /// <summary>Refuse the null sender <c>&lt;&gt;</c>. Off by default: bounces and DSNs use it (RFC 5321 §4.5.5).</summary>
    public bool BlockBlankSenders { get; set; }
    /// <summary>
    /// Anonymous sessions may not use an authoritative accepted domain as the envelope sender or the From header
    /// (Exchange's Ms-Exch-SMTP-Accept-Authoritative-Domain-Sender). Off by default here; turn it on for Internet-facing connectors.
    /// </summary>
    public SpoofingAction AntiSpoofing { get; set; } = SpoofingAction.Off;
}
