namespace Mailflow.Configuration;

/// <summary>
/// Rate limits (Exchange's throttling policies and outbound spam policy; Postfix's anvil). Every limit
/// is optional: null = no limit. Limits count on each node (a cluster of N nodes admits up to N times a
/// per-IP limit); blocked senders are stored, so every node refuses them.
/// </summary>
public sealed class RateLimitSettings
{
    /// <summary>New SMTP connections per client address (IPv6: per /64) per minute; beyond it 421 4.7.0 and the connection closes.</summary>
    public int? ConnectionsPerIpPerMinute { get; set; }
    /// <summary>Messages (MAIL FROM) per client address (IPv6: per /64) per minute; beyond it 451 4.7.1.</summary>
    public int? MessagesPerIpPerMinute { get; set; }
    /// <summary>Messages per authenticated sender per minute.</summary>
    public int? SenderMessagesPerMinute { get; set; }
    public int? SenderMessagesPerHour { get; set; }
    public int? SenderMessagesPerDay { get; set; }
    /// <summary>Recipients per authenticated sender per minute (Exchange Online's RecipientLimitExternalPerHour / RecipientLimitPerDay, counted over all recipients).</summary>
    public int? SenderRecipientsPerMinute { get; set; }
    public int? SenderRecipientsPerHour { get; set; }
    public int? SenderRecipientsPerDay { get; set; }
    /// <summary>
    /// A sender who reaches one of its limits is blocked until an admin unblocks it (Exchange Online's
    /// "restrict the user from sending mail": a compromised account stops sending spam at once).
    /// </summary>
    public bool BlockSenderWhenLimitReached { get; set; }
    /// <summary>Messages delivered per destination domain per minute by this node; beyond it the recipients wait in the queue (deferred, not refused).</summary>
    public int? OutboundMessagesPerDomainPerMinute { get; set; }

    public const int MaxLimit = 10_000_000;
}
