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
    public int Revision { get; set; }

    public string DisplayName => "Organization settings";
}
