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

    // Back pressure (Exchange's resource thresholds): at Medium anonymous senders get 452 4.3.1, at High everyone.
    // A level is left only once the measurement is back past its threshold by BackPressureHysteresisPercent.
    // A threshold of 0 turns that resource's check off.
    /// <summary>Sample resources and refuse new mail under pressure.</summary>
    public bool BackPressureEnabled { get; set; } = true;
    /// <summary>Free space in the data directory's file system below which the level is Medium.</summary>
    public int BackPressureDiskFreeMediumMegabytes { get; set; } = 1024;
    /// <summary>… and High.</summary>
    public int BackPressureDiskFreeHighMegabytes { get; set; } = 500;
    /// <summary>The process's working set, in percent of the memory available to it, at which the level is Medium.</summary>
    public int BackPressureMemoryMediumPercent { get; set; } = 85;
    public int BackPressureMemoryHighPercent { get; set; } = 94;
    /// <summary>Messages waiting in the Submission queue (received, not yet categorized) at which the level is Medium.</summary>
    public int BackPressureSubmissionMedium { get; set; } = 10_000;
    public int BackPressureSubmissionHigh { get; set; } = 15_000;
    /// <summary>How far (percent of the threshold) a measurement must recover before its level drops.</summary>
    public int BackPressureHysteresisPercent { get; set; } = 10;
    public int Revision { get; set; }

    public string DisplayName => "Organization settings";
}
