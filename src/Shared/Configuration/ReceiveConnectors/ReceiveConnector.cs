namespace Mailflow.Configuration;

/// <summary>Who a receive connector admits, as Exchange's PermissionGroups. Rights follow from the groups: see <see cref="ReceivePermissions"/>.</summary>
[Flags]
public enum ReceivePermissionGroups
{
    None = 0,
    AnonymousUsers = 1,
    AuthenticatedUsers = 2,
    Partners = 4,
    TrustedRelayServers = 8,
}

/// <summary>What a session may do once admitted (Exchange's ms-Exch-SMTP-* extended rights, in plain words).</summary>
[Flags]
public enum ReceiveRights
{
    None = 0,
    SubmitToAcceptedDomains = 1,
    RelayToAnyDomain = 2,
    AcceptAnySender = 4,
    BypassAntiSpam = 8,
    BypassMessageSizeLimit = 16,
}

[Flags]
public enum ReceiveAuthMechanisms
{
    None = 0,
    /// <summary>Offer STARTTLS (or, with implicit TLS, require it).</summary>
    Tls = 1,
    /// <summary>AUTH PLAIN / LOGIN.</summary>
    BasicAuth = 2,
    /// <summary>Basic auth is offered only once TLS is active.</summary>
    BasicAuthRequireTls = 4,
    /// <summary>The network is secured outside SMTP (IPsec, a private link): the session is treated as trusted.</summary>
    ExternallySecured = 8,
    /// <summary>
    /// AUTH OAUTHBEARER (RFC 7628) and XOAUTH2 with an access token from the organization's OpenID Connect
    /// issuer (organization settings, OAuth). Offered only once TLS is active: a bearer token is a credential.
    /// </summary>
    OAuth = 16,
}

public enum ConnectorTlsMode
{
    None,
    StartTls,
    ImplicitTls,
}

public enum ProtocolLoggingLevel
{
    None,
    Verbose,
}

/// <summary>What to do with a bare CR or LF inside DATA (never a line end: SMTP smuggling, CVE-2023-51766).</summary>
public enum BareLineEndingPolicy
{
    /// <summary>Reject the message with 550 5.6.11.</summary>
    Reject,
    /// <summary>Accept it, converting bare CR/LF to CRLF in the stored copy.</summary>
    Normalize,
}

public sealed class ReceiveConnector : IConfigurationObject
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public string Name { get; set; } = "";
    public bool Enabled { get; set; } = true;
    public List<IpBinding> Bindings { get; set; } = [];
    /// <summary>Client addresses this connector takes: CIDR (<c>10.0.0.0/8</c>), single IPs, or ranges (<c>10.0.0.1-10.0.0.9</c>). Empty = every address.</summary>
    public List<string> RemoteIpRanges { get; set; } = [];
    /// <summary>The name in the banner and in EHLO. Empty = the node's FQDN.</summary>
    public string Fqdn { get; set; } = "";
    /// <summary>Text after <c>220 fqdn</c>. Empty = "Mailflow ESMTP ready".</summary>
    public string Banner { get; set; } = "";
    public ReceivePermissionGroups PermissionGroups { get; set; } = ReceiveConnectorDefaults.PermissionGroups;
    public ReceiveAuthMechanisms AuthMechanisms { get; set; } = ReceiveConnectorDefaults.AuthMechanisms;
    public ConnectorTlsMode TlsMode { get; set; } = ReceiveConnectorDefaults.TlsMode;
    /// <summary>Refuse MAIL until TLS is active.</summary>
    public bool RequireTls { get; set; }
    /// <summary>Defaults (Exchange's) in <see cref="ReceiveConnectorDefaults"/>.</summary>
    public long MaxMessageSizeBytes { get; set; } = ReceiveConnectorDefaults.MaxMessageSizeBytes;
    public int MaxRecipientsPerMessage { get; set; } = ReceiveConnectorDefaults.MaxRecipientsPerMessage;
    public int MaxInboundConnections { get; set; } = ReceiveConnectorDefaults.MaxInboundConnections;
    public int MaxInboundConnectionsPerSource { get; set; } = ReceiveConnectorDefaults.MaxInboundConnectionsPerSource;
    public int ConnectionTimeoutSeconds { get; set; } = ReceiveConnectorDefaults.ConnectionTimeoutSeconds;
    public int IdleTimeoutSeconds { get; set; } = ReceiveConnectorDefaults.IdleTimeoutSeconds;
    /// <summary>
    /// A whole command line must arrive within this time once its first octet came (Postfix's
    /// smtpd_per_record_deadline): a client trickling one byte at a time is cut with its own reply,
    /// not held until the connection timeout. RFC 5321 §4.5.3.2 suggests 5 minutes for commands.
    /// </summary>
    public int CommandTimeoutSeconds { get; set; } = ReceiveConnectorDefaults.CommandTimeoutSeconds;
    /// <summary>
    /// The least DATA/BDAT transfer rate after <see cref="DataRateGraceSeconds"/> (Postfix's
    /// smtpd_min_data_rate: each octet received extends the deadline by 1/rate seconds). 0 = off.
    /// </summary>
    public int MinDataRateBytesPerSecond { get; set; } = ReceiveConnectorDefaults.MinDataRateBytesPerSecond;
    /// <summary>How long a DATA/BDAT transfer may run before <see cref="MinDataRateBytesPerSecond"/> applies.</summary>
    public int DataRateGraceSeconds { get; set; } = ReceiveConnectorDefaults.DataRateGraceSeconds;
    /// <summary>
    /// Postscreen-style checks before the banner: the greeting is held for <see cref="GreetPauseMilliseconds"/>
    /// and a client that talks first, or pipelines before PIPELINING was offered, is refused. Clients on
    /// the IP allow list skip them.
    /// </summary>
    public bool PreGreetingChecks { get; set; } = ReceiveConnectorDefaults.PreGreetingChecks;
    /// <summary>How long the banner is held when <see cref="PreGreetingChecks"/> is on (postscreen_greet_wait: 6 s).</summary>
    public int GreetPauseMilliseconds { get; set; } = ReceiveConnectorDefaults.GreetPauseMilliseconds;
    public int MaxProtocolErrors { get; set; } = ReceiveConnectorDefaults.MaxProtocolErrors;
    /// <summary>Waited before every refusal to an anonymous client (an unknown recipient among them, which slows directory harvest); authenticated sessions are never delayed.</summary>
    public int TarpitIntervalMilliseconds { get; set; } = ReceiveConnectorDefaults.TarpitIntervalMilliseconds;
    public BareLineEndingPolicy BareLineEndings { get; set; } = ReceiveConnectorDefaults.BareLineEndings;
    /// <summary>A message arriving with more Received fields than this is refused as a loop (554 5.4.6).</summary>
    public int MaxHopCount { get; set; } = ReceiveConnectorDefaults.MaxHopCount;
    /// <summary>… and with more Received fields written by our own host names than this.</summary>
    public int MaxLocalHopCount { get; set; } = ReceiveConnectorDefaults.MaxLocalHopCount;
    /// <summary>SPF, DKIM and DMARC checks of anonymous senders; off by default (turn on for the connector that takes Internet mail).</summary>
    public SenderAuthenticationMode SenderAuthentication { get; set; } = ReceiveConnectorDefaults.SenderAuthentication;
    public ProtocolLoggingLevel ProtocolLogging { get; set; } = ReceiveConnectorDefaults.ProtocolLogging;
    /// <summary>TLS certificate to present; null = the node's default certificate.</summary>
    public Guid? CertificateId { get; set; }
    public int Revision { get; set; }

    public string DisplayName => Name;
}
