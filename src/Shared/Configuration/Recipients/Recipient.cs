namespace Mailflow.Configuration;

public enum RecipientKind
{
    /// <summary>A mailbox Mailflow delivers to (Maildir, LMTP or SMTP next hop). May submit mail with a password.</summary>
    Mailbox,
    /// <summary>An extra address that forwards to another recipient (<see cref="Recipient.ForwardToId"/>).</summary>
    Alias,
    /// <summary>A distribution group: expands to its members, which may be groups themselves.</summary>
    DistributionGroup,
    /// <summary>A mail contact: an address in the directory that forwards to an external address.</summary>
    MailContact,
}

public enum MailboxDeliveryKind
{
    /// <summary>A Maildir folder (tmp/new/cur), readable by Dovecot. Relative paths are under the data directory.</summary>
    Maildir,
    /// <summary>LMTP to a mailbox server: <c>host:port</c> or <c>unix:/path</c>.</summary>
    Lmtp,
    /// <summary>SMTP to a mailbox server: <c>host[:port]</c>.</summary>
    Smtp,
}

public sealed class Recipient : IConfigurationObject
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public RecipientKind Kind { get; set; }
    public string DisplayName { get; set; } = "";
    /// <summary>The primary SMTP address, lower-case domain.</summary>
    public string PrimaryAddress { get; set; } = "";
    /// <summary>Further SMTP addresses (proxy addresses) that resolve to this recipient.</summary>
    public List<string> ExtraAddresses { get; set; } = [];

    // Mailbox
    public MailboxDeliveryKind DeliveryKind { get; set; } = MailboxDeliveryKind.Maildir;
    /// <summary>Maildir path, or LMTP/SMTP next hop, depending on <see cref="DeliveryKind"/>.</summary>
    public string DeliveryTarget { get; set; } = "";
    /// <summary>Password hash for SMTP AUTH (ASP.NET Core Identity's hasher); null = may not submit.</summary>
    [Sensitive]
    public string? SubmissionPasswordHash { get; set; }
    /// <summary>Addresses (or <c>*@domain</c>) this mailbox may use in MAIL FROM beyond its own.</summary>
    public List<string> SendAs { get; set; } = [];
    /// <summary>Maildir mailboxes: the size limit in bytes; null = the organization's default (<see cref="OrganizationSettings.DefaultMailboxQuotaBytes"/>), 0 = no limit. See <see cref="MailboxQuota"/>.</summary>
    public long? QuotaBytes { get; set; }

    // Alias
    public Guid? ForwardToId { get; set; }

    // Mail contact
    public string ExternalAddress { get; set; } = "";

    // Distribution group
    /// <summary>Ids of member recipients (mailboxes, contacts, aliases or nested groups).</summary>
    public List<Guid> MemberIds { get; set; } = [];

    public int Revision { get; set; }

    public IEnumerable<string> AllAddresses => ExtraAddresses.Prepend(PrimaryAddress);
}
