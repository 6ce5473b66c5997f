namespace Mailflow.Configuration;

/// <summary>
/// A receive connector's defaults, in one place: the entity's initial values, the configuration
/// document's spec and the engine's <c>ReceivePolicy</c> all read them from here.
/// </summary>
public static class ReceiveConnectorDefaults
{
    public const ReceivePermissionGroups PermissionGroups = ReceivePermissionGroups.AnonymousUsers;
    public const ReceiveAuthMechanisms AuthMechanisms = ReceiveAuthMechanisms.Tls;
    public const ConnectorTlsMode TlsMode = ConnectorTlsMode.StartTls;
    /// <summary>Exchange receive connector default: 36 MB (OfficeDocs-Exchange message-size-limits).</summary>
    public const long MaxMessageSizeBytes = 36L * 1024 * 1024;
    /// <summary>Exchange receive connector default: 200; RFC 5321 §4.5.3.1.8 asks for at least 100.</summary>
    public const int MaxRecipientsPerMessage = 200;
    /// <summary>Exchange default: 5000.</summary>
    public const int MaxInboundConnections = 5000;
    /// <summary>Exchange default: 20.</summary>
    public const int MaxInboundConnectionsPerSource = 20;
    /// <summary>Exchange default ConnectionTimeout: 10 minutes.</summary>
    public const int ConnectionTimeoutSeconds = 600;
    /// <summary>Exchange default ConnectionInactivityTimeout: 5 minutes (RFC 5321 §4.5.3.2.7 asks ≥ 5 min).</summary>
    public const int IdleTimeoutSeconds = 300;
    /// <summary>A whole command line must arrive within this once its first octet came (RFC 5321 §4.5.3.2: 5 minutes; Postfix's smtpd_per_record_deadline).</summary>
    public const int CommandTimeoutSeconds = 300;
    /// <summary>Least DATA/BDAT octets per second after <see cref="DataRateGraceSeconds"/> (Postfix's smtpd_min_data_rate); 0 = off.</summary>
    public const int MinDataRateBytesPerSecond = 500;
    public const int DataRateGraceSeconds = 30;
    /// <summary>Postscreen-style checks before the banner are off until turned on per connector.</summary>
    public const bool PreGreetingChecks = false;
    /// <summary>postscreen_greet_wait: 6 s.</summary>
    public const int GreetPauseMilliseconds = 6000;
    /// <summary>Exchange default MaxProtocolErrors: 5.</summary>
    public const int MaxProtocolErrors = 5;
    /// <summary>Exchange default TarpitInterval: 5 seconds.</summary>
    public const int TarpitIntervalMilliseconds = 5000;
    /// <summary>Exchange's receive connector MaxHopCount; Mailflow starts from the organization's default (30).</summary>
    public const int MaxHopCount = OrganizationSettingsDefaults.MaxHopCount;
    /// <summary>Exchange's receive connector MaxLocalHopCount (8).</summary>
    public const int MaxLocalHopCount = OrganizationSettingsDefaults.MaxLocalHopCount;
    public const BareLineEndingPolicy BareLineEndings = BareLineEndingPolicy.Reject;
    /// <summary>SPF, DKIM and DMARC checks of anonymous senders are off until turned on (for the connector that takes Internet mail).</summary>
    public const SenderAuthenticationMode SenderAuthentication = SenderAuthenticationMode.Off;
    public const ProtocolLoggingLevel ProtocolLogging = ProtocolLoggingLevel.None;
}
