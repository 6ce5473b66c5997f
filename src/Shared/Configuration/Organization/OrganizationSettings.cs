namespace Mailflow.Configuration;

/// <summary>Organization-wide settings: one row. Defaults are Exchange's transport defaults (OfficeDocs-Exchange mail-flow/queues).</summary>
public sealed class OrganizationSettings : IConfigurationObject
{
    public const int SingletonId = 1;

    public int Key { get; set; } = SingletonId;
    public Guid Id => new("00000000-0000-0000-0000-000000000001");
    public string OrganizationName { get; set; } = "Mailflow";
    /// <summary>Exchange TransientFailureRetryInterval: 5 minutes.</summary>
    public int TransientRetryIntervalSeconds { get; set; } = 300;
    /// <summary>Exchange TransientFailureRetryCount: 6 quick retries before falling back to the outbound interval.</summary>
    public int TransientRetryAttempts { get; set; } = 6;
    /// <summary>Exchange OutboundConnectionFailureRetryInterval: 10 minutes.</summary>
    public int OutboundConnectionFailureRetryIntervalSeconds { get; set; } = 600;
    /// <summary>Exchange DelayNotificationTimeout: 4 hours.</summary>
    public int DelayNotificationTimeoutSeconds { get; set; } = 4 * 3600;
    /// <summary>Exchange MessageExpirationTimeout: 2 days.</summary>
    public int MessageExpirationTimeoutSeconds { get; set; } = 2 * 24 * 3600;
    /// <summary>Exchange organization MaxReceiveSize default: 10 MB… raised to 36 MB to match the connector default.</summary>
    public long MaxReceiveSizeBytes { get; set; } = 36L * 1024 * 1024;
    public long MaxSendSizeBytes { get; set; } = 35L * 1024 * 1024;
    /// <summary>Exchange MaxRecipientEnvelopeLimit: 500.</summary>
    public int MaxRecipientsPerMessage { get; set; } = 500;
    /// <summary>Seal messages Mailflow changed, redirected or forwarded with an ARC set (RFC 8617), signed with the sending domain's RSA DKIM key; nothing is sealed while no key exists.</summary>
    public bool ArcSealingEnabled { get; set; } = true;
    /// <summary>Send daily DMARC aggregate reports (RFC 7489 §7.2) to the rua addresses of domains whose mail we received. Off by default.</summary>
    public bool DmarcReportsEnabled { get; set; }
    /// <summary>At most this many aggregate reports leave per day (the rest wait for the next day).</summary>
    public int DmarcReportsMaxPerDay { get; set; } = 200;
    public int Revision { get; set; }

    public string DisplayName => "Organization settings";
}
