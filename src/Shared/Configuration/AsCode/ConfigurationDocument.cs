using System.Text.Json;
using System.Text.Json.Serialization;

namespace Mailflow.Configuration;

/// <summary>
/// A whole organization's configuration as one JSON document ("configuration as code"). Objects are
/// identified by what admins call them — accepted domains by domain name, connectors and rules by
/// name, recipients by primary address — never by database id, so a document applies to any store.
/// References use the same names (an alias forwards to an address, a group lists member addresses).
/// <para>
/// A section that is present is the whole truth for its kind: objects missing from it are removed.
/// A section left out (null) is not touched. Rules are evaluated in the order they are listed.
/// </para>
/// <para>
/// Secrets: smart-host passwords are never exported; <see cref="SendConnectorSpec.SmartHostPassword"/>
/// may be given to set one, and when it is left out the stored password is kept. Recipients'
/// submission password hashes are exported only when asked for; when left out, applying keeps
/// the stored hash.
/// </para>
/// </summary>
public sealed class ConfigurationDocument
{
    public const int CurrentSchemaVersion = 1;

    /// <summary>How documents are written and read: camelCase, enums by name, indented.</summary>
    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new JsonStringEnumConverter() },
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public int SchemaVersion { get; set; } = CurrentSchemaVersion;
    public OrganizationSettingsSpec? OrganizationSettings { get; set; }
    public List<AcceptedDomainSpec>? AcceptedDomains { get; set; }
    public List<ReceiveConnectorSpec>? ReceiveConnectors { get; set; }
    public List<SendConnectorSpec>? SendConnectors { get; set; }
    public List<RecipientSpec>? Recipients { get; set; }
    /// <summary>In priority order: the first rule is evaluated first.</summary>
    public List<TransportRuleSpec>? Rules { get; set; }
    /// <summary>DNS block lists, Rspamd and ClamAV settings.</summary>
    public ProtectionSettingsSpec? Protection { get; set; }
    /// <summary>The connection filter's IP allow and block lists, keyed by list and range.</summary>
    public List<IpListEntrySpec>? IpLists { get; set; }
    /// <summary>Address rewriting entries, keyed by name.</summary>
    public List<AddressRewriteSpec>? AddressRewrites { get; set; }
    /// <summary>Remote domains, keyed by domain name; the default <c>*</c> entry always exists (left out, it is reset to its defaults).</summary>
    public List<RemoteDomainSpec>? RemoteDomains { get; set; }
    /// <summary>Admins' settings per transport agent, keyed by agent name; an agent not listed runs with its defaults.</summary>
    public List<TransportAgentSpec>? TransportAgents { get; set; }
    /// <summary>
    /// DKIM signing keys, referenced by domain and selector: the document carries the public key and
    /// the signing settings, never a private key. Applying changes whether a stored key signs and its
    /// rotation schedule; a key that is not on the server is refused (generate or import it there), and
    /// keys left out are kept (deleting a key is done by hand, never by omission).
    /// </summary>
    public List<DkimKeySpec>? DkimKeys { get; set; }
    /// <summary>Alert thresholds and notification, log retention. The alert webhook's secret is never exported nor applied from here (set it in the admin center, API or CLI); applying keeps it.</summary>
    public OperationsSettingsSpec? Operations { get; set; }
    /// <summary>Journal rules, keyed by name.</summary>
    public List<JournalRuleSpec>? JournalRules { get; set; }
}

public sealed class OperationsSettingsSpec
{
    public AlertSettings Alerts { get; set; } = new();
    public LogRetentionSettings LogRetention { get; set; } = new();
}

/// <summary>One journal rule (<see cref="JournalRule"/>).</summary>
public sealed class JournalRuleSpec
{
    public string Name { get; set; } = "";
    public bool Enabled { get; set; } = true;
    public JournalScope Scope { get; set; } = JournalScope.Global;
    public string? Recipient { get; set; }
    public string JournalAddress { get; set; } = "";
    public string? AlternateJournalAddress { get; set; }
}

/// <summary>One transport agent's settings (<see cref="TransportAgentSetting"/>); null fields mean the agent's default.</summary>
public sealed class TransportAgentSpec
{
    public string AgentName { get; set; } = "";
    public bool Enabled { get; set; } = true;
    public int? Priority { get; set; }
    public int? TimeoutMilliseconds { get; set; }
    public AgentFailurePolicy? FailurePolicy { get; set; }
    /// <summary>Receive connectors, by name, on which the agent does not run.</summary>
    public List<string> DisabledOnConnectors { get; set; } = [];
}

public sealed class DkimKeySpec
{
    public string Domain { get; set; } = "";
    public string Selector { get; set; } = "";
    /// <summary>Informational (the key's own); ignored when applying.</summary>
    public DkimKeyAlgorithm Algorithm { get; set; }
    /// <summary>The p= value: when given, it must be the stored key's, so a document never re-points a selector at another key.</summary>
    public string? PublicKey { get; set; }
    public bool Enabled { get; set; }
    public int? RotateEveryDays { get; set; }
}

public sealed class ProtectionSettingsSpec
{
    public ConnectionFilterSettings ConnectionFilter { get; set; } = new();
    public AntiSpamSettings AntiSpam { get; set; } = new();
    public AntiMalwareSettings AntiMalware { get; set; } = new();
    public SenderFilterSettings SenderFilter { get; set; } = new();
    public RateLimitSettings RateLimits { get; set; } = new();
    public QuarantineSettings Quarantine { get; set; } = new();
}

public sealed class IpListEntrySpec
{
    public IpListKind List { get; set; } = IpListKind.Block;
    public string Range { get; set; } = "";
    public string? Comment { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
}

/// <summary>One remote domain (<see cref="RemoteDomain"/>).</summary>
public sealed class RemoteDomainSpec
{
    public string Name { get; set; } = "";
    public string DomainName { get; set; } = "";
    public bool AllowAutomaticReplies { get; set; } = true;
    public bool AllowAutomaticForwards { get; set; } = true;
    public bool AllowDeliveryReports { get; set; } = true;
    public bool AllowNonDeliveryReports { get; set; } = true;
    public string? CharacterSet { get; set; }
    public string? NonMimeCharacterSet { get; set; }
    public int? LineWrapSize { get; set; }
    public bool TrustedPartner { get; set; }
}

public sealed class AddressRewriteSpec
{
    public string Name { get; set; } = "";
    public string InternalAddress { get; set; } = "";
    public string ExternalAddress { get; set; } = "";
    public List<string> ExceptionList { get; set; } = [];
    public bool OutboundOnly { get; set; }
    public bool Enabled { get; set; } = true;
}

public sealed class OrganizationSettingsSpec
{
    public string OrganizationName { get; set; } = OrganizationSettingsDefaults.OrganizationName;
    public int TransientRetryIntervalSeconds { get; set; } = OrganizationSettingsDefaults.TransientRetryIntervalSeconds;
    public int TransientRetryAttempts { get; set; } = OrganizationSettingsDefaults.TransientRetryAttempts;
    public int OutboundConnectionFailureRetryIntervalSeconds { get; set; } = OrganizationSettingsDefaults.OutboundConnectionFailureRetryIntervalSeconds;
    public int DelayNotificationTimeoutSeconds { get; set; } = OrganizationSettingsDefaults.DelayNotificationTimeoutSeconds;
    public int MessageExpirationTimeoutSeconds { get; set; } = OrganizationSettingsDefaults.MessageExpirationTimeoutSeconds;
    public long MaxReceiveSizeBytes { get; set; } = OrganizationSettingsDefaults.MaxReceiveSizeBytes;
    public long MaxSendSizeBytes { get; set; } = OrganizationSettingsDefaults.MaxSendSizeBytes;
    public int MaxRecipientsPerMessage { get; set; } = OrganizationSettingsDefaults.MaxRecipientsPerMessage;
    public int MaxHopCount { get; set; } = OrganizationSettingsDefaults.MaxHopCount;
    public int MaxLocalHopCount { get; set; } = OrganizationSettingsDefaults.MaxLocalHopCount;
    public bool BackPressureEnabled { get; set; } = OrganizationSettingsDefaults.BackPressureEnabled;
    public int BackPressureDiskFreeMediumMegabytes { get; set; } = OrganizationSettingsDefaults.BackPressureDiskFreeMediumMegabytes;
    public int BackPressureDiskFreeHighMegabytes { get; set; } = OrganizationSettingsDefaults.BackPressureDiskFreeHighMegabytes;
    public int BackPressureMemoryMediumPercent { get; set; } = OrganizationSettingsDefaults.BackPressureMemoryMediumPercent;
    public int BackPressureMemoryHighPercent { get; set; } = OrganizationSettingsDefaults.BackPressureMemoryHighPercent;
    public int BackPressureSubmissionMedium { get; set; } = OrganizationSettingsDefaults.BackPressureSubmissionMedium;
    public int BackPressureSubmissionHigh { get; set; } = OrganizationSettingsDefaults.BackPressureSubmissionHigh;
    public int BackPressureHysteresisPercent { get; set; } = OrganizationSettingsDefaults.BackPressureHysteresisPercent;
    public bool ArcSealingEnabled { get; set; } = OrganizationSettingsDefaults.ArcSealingEnabled;
    public bool DmarcReportsEnabled { get; set; } = OrganizationSettingsDefaults.DmarcReportsEnabled;
    public int DmarcReportsMaxPerDay { get; set; } = OrganizationSettingsDefaults.DmarcReportsMaxPerDay;
    public long DefaultMailboxQuotaBytes { get; set; } = OrganizationSettingsDefaults.DefaultMailboxQuotaBytes;
    public int MailboxQuotaWarningPercent { get; set; } = OrganizationSettingsDefaults.MailboxQuotaWarningPercent;
    public string OAuthIssuer { get; set; } = OrganizationSettingsDefaults.OAuthIssuer;
    public string OAuthAudience { get; set; } = OrganizationSettingsDefaults.OAuthAudience;
    public string OAuthAddressClaim { get; set; } = OrganizationSettingsDefaults.OAuthAddressClaim;
    public int OAuthClockSkewSeconds { get; set; } = OrganizationSettingsDefaults.OAuthClockSkewSeconds;
    public string JournalingReportNdrTo { get; set; } = "";
    public string ModerationReplyAddress { get; set; } = "";

    public bool PickupEnabled { get; set; } = OrganizationSettingsDefaults.PickupEnabled;
    public string? PickupDirectoryPath { get; set; }
    public long PickupMaxMessageSizeBytes { get; set; } = OrganizationSettingsDefaults.PickupMaxMessageSizeBytes;
    public int PickupMaxFilesPerMinute { get; set; } = OrganizationSettingsDefaults.PickupMaxFilesPerMinute;
}

public sealed class AcceptedDomainSpec
{
    public string DomainName { get; set; } = "";
    public AcceptedDomainType Type { get; set; } = AcceptedDomainType.Authoritative;
    public bool MatchSubdomains { get; set; }
    public bool IsDefault { get; set; }
}

public sealed class ReceiveConnectorSpec
{
    public string Name { get; set; } = "";
    public bool Enabled { get; set; } = true;
    public List<IpBinding> Bindings { get; set; } = [];
    public List<string> RemoteIpRanges { get; set; } = [];
    public string Fqdn { get; set; } = "";
    public string Banner { get; set; } = "";
    public ReceivePermissionGroups PermissionGroups { get; set; } = ReceiveConnectorDefaults.PermissionGroups;
    public ReceiveAuthMechanisms AuthMechanisms { get; set; } = ReceiveConnectorDefaults.AuthMechanisms;
    public ConnectorTlsMode TlsMode { get; set; } = ReceiveConnectorDefaults.TlsMode;
    public bool RequireTls { get; set; }
    public long MaxMessageSizeBytes { get; set; } = ReceiveConnectorDefaults.MaxMessageSizeBytes;
    public int MaxRecipientsPerMessage { get; set; } = ReceiveConnectorDefaults.MaxRecipientsPerMessage;
    public int MaxInboundConnections { get; set; } = ReceiveConnectorDefaults.MaxInboundConnections;
    public int MaxInboundConnectionsPerSource { get; set; } = ReceiveConnectorDefaults.MaxInboundConnectionsPerSource;
    public int ConnectionTimeoutSeconds { get; set; } = ReceiveConnectorDefaults.ConnectionTimeoutSeconds;
    public int IdleTimeoutSeconds { get; set; } = ReceiveConnectorDefaults.IdleTimeoutSeconds;
    public int CommandTimeoutSeconds { get; set; } = ReceiveConnectorDefaults.CommandTimeoutSeconds;
    public int MinDataRateBytesPerSecond { get; set; } = ReceiveConnectorDefaults.MinDataRateBytesPerSecond;
    public int DataRateGraceSeconds { get; set; } = ReceiveConnectorDefaults.DataRateGraceSeconds;
    public bool PreGreetingChecks { get; set; } = ReceiveConnectorDefaults.PreGreetingChecks;
    public int GreetPauseMilliseconds { get; set; } = ReceiveConnectorDefaults.GreetPauseMilliseconds;
    public int MaxProtocolErrors { get; set; } = ReceiveConnectorDefaults.MaxProtocolErrors;
    public int TarpitIntervalMilliseconds { get; set; } = ReceiveConnectorDefaults.TarpitIntervalMilliseconds;
    public BareLineEndingPolicy BareLineEndings { get; set; } = ReceiveConnectorDefaults.BareLineEndings;
    public int MaxHopCount { get; set; } = ReceiveConnectorDefaults.MaxHopCount;
    public int MaxLocalHopCount { get; set; } = ReceiveConnectorDefaults.MaxLocalHopCount;
    public ProtocolLoggingLevel ProtocolLogging { get; set; } = ReceiveConnectorDefaults.ProtocolLogging;
    public Guid? CertificateId { get; set; }
    public SenderAuthenticationMode SenderAuthentication { get; set; } = ReceiveConnectorDefaults.SenderAuthentication;
}

public sealed class SendConnectorSpec
{
    public string Name { get; set; } = "";
    public bool Enabled { get; set; } = true;
    public List<AddressSpace> AddressSpaces { get; set; } = [];
    public SendRoutingMethod RoutingMethod { get; set; } = SendConnectorDefaults.RoutingMethod;
    public List<string> SmartHosts { get; set; } = [];
    public SmartHostAuthentication SmartHostAuthentication { get; set; }
    public string SmartHostUsername { get; set; } = "";
    /// <summary>Input only: a smart-host password to store (encrypted). Never exported; left out = keep the stored one.</summary>
    public string? SmartHostPassword { get; set; }
    public OutboundTlsPolicy TlsPolicy { get; set; } = SendConnectorDefaults.TlsPolicy;
    public string TlsCertificateDomain { get; set; } = "";
    public MtaStsOutboundMode MtaSts { get; set; } = SendConnectorDefaults.MtaSts;
    public bool Dane { get; set; } = SendConnectorDefaults.Dane;
    public int Port { get; set; } = SendConnectorDefaults.Port;
    public string HeloFqdn { get; set; } = "";
    public long MaxMessageSizeBytes { get; set; } = SendConnectorDefaults.MaxMessageSizeBytes;
    public List<string> SourceNodes { get; set; } = [];
    public int MaxConcurrentConnections { get; set; } = SendConnectorDefaults.MaxConcurrentConnections;
    public int MaxMessagesPerConnection { get; set; } = SendConnectorDefaults.MaxMessagesPerConnection;
}

public sealed class RecipientSpec
{
    public RecipientKind Kind { get; set; }
    public string DisplayName { get; set; } = "";
    public string PrimaryAddress { get; set; } = "";
    public List<string> ExtraAddresses { get; set; } = [];
    public MailboxDeliveryKind DeliveryKind { get; set; } = MailboxDeliveryKind.Maildir;
    public string DeliveryTarget { get; set; } = "";
    public List<string> SendAs { get; set; } = [];
    /// <summary>Maildir mailbox size limit in bytes; left out = the organization's default, 0 = no limit.</summary>
    public long? QuotaBytes { get; set; }
    /// <summary>Alias: the primary address of the recipient it forwards to.</summary>
    public string? ForwardTo { get; set; }
    public string ExternalAddress { get; set; } = "";
    /// <summary>Distribution group: the members' primary addresses.</summary>
    public List<string> Members { get; set; } = [];
    /// <summary>Exported only when asked for; left out = keep the stored hash.</summary>
    public string? SubmissionPasswordHash { get; set; }
}

public sealed class TransportRuleSpec
{
    public string Name { get; set; } = "";
    public string Comments { get; set; } = "";
    public bool Enabled { get; set; } = true;
    public RuleMode Mode { get; set; } = RuleMode.Enforce;
    public DateTimeOffset? ActivationDate { get; set; }
    public DateTimeOffset? ExpiryDate { get; set; }
    public bool StopProcessingRules { get; set; }
    public SenderAddressLocation SenderAddressLocation { get; set; } = SenderAddressLocation.Envelope;
    /// <summary>Group predicates name groups by primary address here (the store keeps ids).</summary>
    public RuleDefinition Definition { get; set; } = new();
}
