namespace Mailflow.Queue;

/// <summary>
/// The names of the message tags agents store with a message (<see cref="QueuedMessage.AgentTags"/>):
/// one definition each, for the agents that write them, the rules that read them and the message
/// details that show them (<see cref="AgentVerdictText"/>).
/// </summary>
public static class MessageTagNames
{
    /// <summary>The W3C traceparent of the span that received the message, so later spans link to it (OpenTelemetry; not shown as a verdict).</summary>
    public const string TraceParent = "trace.parent";
    public const string SpfResult = "spf.result";
    /// <summary>The domain SPF checked (MAIL FROM's, or the HELO name's for the null sender).</summary>
    public const string SpfDomain = "spf.domain";
    public const string DkimResult = "dkim.result";
    /// <summary>Comma-separated d= domains of the DKIM signatures that passed.</summary>
    public const string DkimPassDomains = "dkim.pass-domains";
    public const string DmarcResult = "dmarc.result";
    /// <summary>The RFC 5322 From domain DMARC judged.</summary>
    public const string DmarcFromDomain = "dmarc.from-domain";
    /// <summary>On a DMARC fail: what the policy asked for this message (none, quarantine, reject).</summary>
    public const string DmarcDisposition = "dmarc.disposition";
    /// <summary>How many incoming Authentication-Results headers claimed our authserv-id; they were removed.</summary>
    public const string ForgedResults = "auth.forged-results";
    /// <summary>The ARC chain status of the message (none, pass, fail; RFC 8617).</summary>
    public const string ArcResult = "arc.result";
    /// <summary>Why the delivery seals the message with our ARC set; absent = not sealed.</summary>
    public const string ArcSealReason = "arc.seal-reason";
    /// <summary>Spam confidence level (0–9, -1 bypassed).</summary>
    public const string SpamConfidenceLevel = "spam.scl";
    public const string SpamScore = "spam.score";
    /// <summary>scanned, bypassed or unscanned.</summary>
    public const string SpamResult = "spam.result";
    /// <summary>What the anti-spam engine advised (no action, add header, reject…).</summary>
    public const string SpamAction = "spam.action";
    /// <summary>Comma-separated rules the anti-spam engine matched.</summary>
    public const string SpamSymbols = "spam.symbols";
    /// <summary>clean, infected: &lt;signature&gt;, skipped or unscanned.</summary>
    public const string MalwareResult = "malware.result";
    /// <summary>Comma-separated DNS block lists the client is listed on.</summary>
    public const string DnsBlockListed = "dnsbl.listed";
    /// <summary>"true" when the sender looks like it forges one of our domains.</summary>
    public const string SpoofingSuspect = "spoofing.suspect";
    /// <summary>An agent asked to hold the message in quarantine; the categorizer does, with this reason.</summary>
    public const string QuarantineReason = "quarantine.reason";
    /// <summary>A pickup directory message: the file's name and SHA-256, stored with the message so a restart never submits the file twice.</summary>
    public const string PickupFile = "pickup.file";
    /// <summary>Received header fields the message arrived with (our own included), counted at end of data by the HopCount agent.</summary>
    public const string HopCount = "hops.total";
    /// <summary>The anti-spam agent asks for this text in front of the subject; the categorizer puts it in the stored content.</summary>
    public const string SpamSubjectPrefix = "spam.subject-prefix";
    /// <summary>A mail flow rule holds the message for a moderator's approval: the rule's name.</summary>
    public const string ModerationRule = "moderation.rule";
    /// <summary>Comma-separated addresses of the moderators asked to approve the held message.</summary>
    public const string ModerationModerators = "moderation.moderators";
    /// <summary>When an undecided moderation request is rejected (round-trip "O" format, UTC).</summary>
    public const string ModerationExpiresAt = "moderation.expires-at";
    /// <summary>The random token an approval request carries (Message-ID, subject marker); a moderator's reply that names it decides the held message.</summary>
    public const string ModerationReplyToken = "moderation.reply-token";
    /// <summary>… of which written by our own host names.</summary>
    public const string LocalHopCount = "hops.local";
}
