namespace Mailflow.Configuration;

/// <summary>The organization settings' defaults, in one place: the entity and the configuration document's spec read them from here.</summary>
public static class OrganizationSettingsDefaults
{
    public const string OrganizationName = "Mailflow";
    /// <summary>Exchange TransientFailureRetryInterval: 5 minutes.</summary>
    public const int TransientRetryIntervalSeconds = 300;
    /// <summary>Exchange TransientFailureRetryCount: 6 quick retries before falling back to the outbound interval.</summary>
    public const int TransientRetryAttempts = 6;
    /// <summary>Exchange OutboundConnectionFailureRetryInterval: 10 minutes.</summary>
    public const int OutboundConnectionFailureRetryIntervalSeconds = 600;
    /// <summary>Exchange DelayNotificationTimeout: 4 hours.</summary>
    public const int DelayNotificationTimeoutSeconds = 4 * 3600;
    /// <summary>Exchange MessageExpirationTimeout: 2 days.</summary>
    public const int MessageExpirationTimeoutSeconds = 2 * 24 * 3600;
    /// <summary>Exchange organization MaxReceiveSize default: 10 MB… raised to match the receive connector default (36 MB).</summary>
    public const long MaxReceiveSizeBytes = ReceiveConnectorDefaults.MaxMessageSizeBytes;
    /// <summary>The send connector default (35 MB).</summary>
    public const long MaxSendSizeBytes = SendConnectorDefaults.MaxMessageSizeBytes;
    /// <summary>Exchange MaxRecipientEnvelopeLimit: 500.</summary>
    public const int MaxRecipientsPerMessage = 500;
    /// <summary>
    /// Exchange's MaxHopCount: a message with more Received header fields than this is in a routing
    /// loop (554 5.4.6 at DATA, or an NDR once accepted). RFC 5321 §6.3 asks for a limit of at least 100
    /// for relays in general; Exchange's organization-wide default is 30.
    /// </summary>
    public const int MaxHopCount = 30;
    /// <summary>Exchange's MaxLocalHopCount: the lower limit for Received fields this organization wrote itself (a loop through our own nodes).</summary>
    public const int MaxLocalHopCount = 8;

    // Back pressure (Exchange's resource thresholds); a threshold of 0 turns that resource's check off.
    public const bool BackPressureEnabled = true;
    public const int BackPressureDiskFreeMediumMegabytes = 1024;
    public const int BackPressureDiskFreeHighMegabytes = 500;
    public const int BackPressureMemoryMediumPercent = 85;
    public const int BackPressureMemoryHighPercent = 94;
    public const int BackPressureSubmissionMedium = 10_000;
    public const int BackPressureSubmissionHigh = 15_000;
    public const int BackPressureHysteresisPercent = 10;

    /// <summary>Seal what Mailflow changed, redirected or forwarded with an ARC set (RFC 8617) when the domain has a DKIM key.</summary>
    public const bool ArcSealingEnabled = true;
    /// <summary>DMARC aggregate reports (RFC 7489 §7.2) are off until turned on.</summary>
    public const bool DmarcReportsEnabled = false;
    public const int DmarcReportsMaxPerDay = 200;

    /// <summary>Maildir mailboxes have no size limit until one is set (Exchange's default database quotas are per mailbox database, which Mailflow does not have).</summary>
    public const long DefaultMailboxQuotaBytes = 0;
    /// <summary>Exchange's IssueWarningQuota sits at about 90 % of ProhibitSendReceiveQuota.</summary>
    public const int MailboxQuotaWarningPercent = 90;

    /// <summary>OAuth submission is off until an issuer is set.</summary>
    public const string OAuthIssuer = "";
    public const string OAuthAudience = "";
    /// <summary>The OpenID Connect standard claim for the user's address.</summary>
    public const string OAuthAddressClaim = OAuthAddressClaims.Email;
    /// <summary>Five minutes, as Microsoft.IdentityModel's default clock skew.</summary>
    public const int OAuthClockSkewSeconds = 300;

    /// <summary>Off until turned on: a directory whose files become mail sent as this organization is opened deliberately.</summary>
    public const bool PickupEnabled = false;
    /// <summary>Exchange's PickupDirectoryMaxMessageSize default.</summary>
    public const long PickupMaxMessageSizeBytes = 10L * 1024 * 1024;
    /// <summary>Exchange's PickupDirectoryMaxMessagesPerMinute default.</summary>
    public const int PickupMaxFilesPerMinute = 100;
}
