namespace Mailflow.Configuration;

/// <summary>Organization-wide settings: one row. Defaults are Exchange's transport defaults (OfficeDocs-Exchange mail-flow/queues).</summary>
public sealed class OrganizationSettings : IConfigurationObject
{
    public const int SingletonId = 1;

    public int Key { get; set; } = SingletonId;
    public Guid Id => new("00000000-0000-0000-0000-000000000001");
    /// <summary>Defaults (Exchange's) in <see cref="OrganizationSettingsDefaults"/>.</summary>
    public string OrganizationName { get; set; } = OrganizationSettingsDefaults.OrganizationName;
    public int TransientRetryIntervalSeconds { get; set; } = OrganizationSettingsDefaults.TransientRetryIntervalSeconds;
    public int TransientRetryAttempts { get; set; } = OrganizationSettingsDefaults.TransientRetryAttempts;
    public int OutboundConnectionFailureRetryIntervalSeconds { get; set; } = OrganizationSettingsDefaults.OutboundConnectionFailureRetryIntervalSeconds;
    public int DelayNotificationTimeoutSeconds { get; set; } = OrganizationSettingsDefaults.DelayNotificationTimeoutSeconds;
    public int MessageExpirationTimeoutSeconds { get; set; } = OrganizationSettingsDefaults.MessageExpirationTimeoutSeconds;
    public long MaxReceiveSizeBytes { get; set; } = OrganizationSettingsDefaults.MaxReceiveSizeBytes;
    public long MaxSendSizeBytes { get; set; } = OrganizationSettingsDefaults.MaxSendSizeBytes;
    public int MaxRecipientsPerMessage { get; set; } = OrganizationSettingsDefaults.MaxRecipientsPerMessage;
    /// <summary>Received fields a message may carry before it counts as looping: checked before relaying, for every message (receive connectors check their own limit at DATA); over it → NDR 5.4.6.</summary>
    public int MaxHopCount { get; set; } = OrganizationSettingsDefaults.MaxHopCount;
    /// <summary>Received fields written by this organization's own host names a message may carry.</summary>
    public int MaxLocalHopCount { get; set; } = OrganizationSettingsDefaults.MaxLocalHopCount;

    // Back pressure (Exchange's resource thresholds): at Medium anonymous senders get 452 4.3.1, at High everyone.
    // A level is left only once the measurement is back past its threshold by BackPressureHysteresisPercent.
    // A threshold of 0 turns that resource's check off.
    /// <summary>Sample resources and refuse new mail under pressure.</summary>
    public bool BackPressureEnabled { get; set; } = OrganizationSettingsDefaults.BackPressureEnabled;
    /// <summary>Free space in the data directory's file system below which the level is Medium.</summary>
    public int BackPressureDiskFreeMediumMegabytes { get; set; } = OrganizationSettingsDefaults.BackPressureDiskFreeMediumMegabytes;
    /// <summary>… and High.</summary>
    public int BackPressureDiskFreeHighMegabytes { get; set; } = OrganizationSettingsDefaults.BackPressureDiskFreeHighMegabytes;
    /// <summary>The process's working set, in percent of the memory available to it, at which the level is Medium.</summary>
    public int BackPressureMemoryMediumPercent { get; set; } = OrganizationSettingsDefaults.BackPressureMemoryMediumPercent;
    public int BackPressureMemoryHighPercent { get; set; } = OrganizationSettingsDefaults.BackPressureMemoryHighPercent;
    /// <summary>Messages waiting in the Submission queue (received, not yet categorized) at which the level is Medium.</summary>
    public int BackPressureSubmissionMedium { get; set; } = OrganizationSettingsDefaults.BackPressureSubmissionMedium;
    public int BackPressureSubmissionHigh { get; set; } = OrganizationSettingsDefaults.BackPressureSubmissionHigh;
    /// <summary>How far (percent of the threshold) a measurement must recover before its level drops.</summary>
    public int BackPressureHysteresisPercent { get; set; } = OrganizationSettingsDefaults.BackPressureHysteresisPercent;
    /// <summary>Seal messages Mailflow changed, redirected or forwarded with an ARC set (RFC 8617), signed with the sending domain's RSA DKIM key; nothing is sealed while no key exists.</summary>
    public bool ArcSealingEnabled { get; set; } = OrganizationSettingsDefaults.ArcSealingEnabled;
    /// <summary>Send daily DMARC aggregate reports (RFC 7489 §7.2) to the rua addresses of domains whose mail we received. Off by default.</summary>
    public bool DmarcReportsEnabled { get; set; } = OrganizationSettingsDefaults.DmarcReportsEnabled;
    /// <summary>At most this many aggregate reports leave per day (the rest wait for the next day).</summary>
    public int DmarcReportsMaxPerDay { get; set; } = OrganizationSettingsDefaults.DmarcReportsMaxPerDay;
    /// <summary>The size limit of a Maildir mailbox that sets none of its own, in bytes; 0 = no limit.</summary>
    public long DefaultMailboxQuotaBytes { get; set; } = OrganizationSettingsDefaults.DefaultMailboxQuotaBytes;
    /// <summary>From this share of its quota (percent) a mailbox is shown as nearly full.</summary>
    public int MailboxQuotaWarningPercent { get; set; } = OrganizationSettingsDefaults.MailboxQuotaWarningPercent;
    /// <summary>The OpenID Connect issuer whose access tokens AUTH OAUTHBEARER/XOAUTH2 accept (its <c>iss</c>, https); empty = OAuth submission off.</summary>
    public string OAuthIssuer { get; set; } = OrganizationSettingsDefaults.OAuthIssuer;
    /// <summary>The <c>aud</c> a token must carry (the API or client id the issuer registered for Mailflow).</summary>
    public string OAuthAudience { get; set; } = OrganizationSettingsDefaults.OAuthAudience;
    /// <summary>The token claim that carries the user's e-mail address: <see cref="OAuthAddressClaims"/>.</summary>
    public string OAuthAddressClaim { get; set; } = OrganizationSettingsDefaults.OAuthAddressClaim;
    /// <summary>Tolerance for the issuer's and our clocks when checking exp and nbf.</summary>
    public int OAuthClockSkewSeconds { get; set; } = OrganizationSettingsDefaults.OAuthClockSkewSeconds;
    /// <summary>
    /// Exchange's JournalingReportNdrTo: where a journal report that cannot be delivered goes instead (its envelope
    /// sender), for journal rules without an alternate journal address of their own; empty = such reports are dropped.
    /// </summary>
    public string JournalingReportNdrTo { get; set; } = "";
    /// <summary>
    /// The system address moderators reply to ("Approve"/"Reject"): approval requests come from it and replies
    /// to it decide held messages. Empty = approval by reply is off (the admin center and the API still decide).
    /// </summary>
    public string ModerationReplyAddress { get; set; } = "";

    /// <summary>The pickup directory (Exchange's): .eml files dropped there are submitted as by an authenticated local client.</summary>
    public bool PickupEnabled { get; set; } = OrganizationSettingsDefaults.PickupEnabled;
    /// <summary>Where the pickup directory is: null for <c>&lt;data directory&gt;/pickup</c>; a relative path is under the data directory.</summary>
    public string? PickupDirectoryPath { get; set; }
    /// <summary>Larger files go to badmail unread (Exchange's PickupDirectoryMaxMessageSize).</summary>
    public long PickupMaxMessageSizeBytes { get; set; } = OrganizationSettingsDefaults.PickupMaxMessageSizeBytes;
    /// <summary>At most this many files are submitted per minute per node (Exchange's PickupDirectoryMaxMessagesPerMinute); the rest wait.</summary>
    public int PickupMaxFilesPerMinute { get; set; } = OrganizationSettingsDefaults.PickupMaxFilesPerMinute;
    public int Revision { get; set; }

    public string DisplayName => "Organization settings";
}
