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
    public ReceivePermissionGroups PermissionGroups { get; set; } = ReceivePermissionGroups.AnonymousUsers;
    public ReceiveAuthMechanisms AuthMechanisms { get; set; } = ReceiveAuthMechanisms.Tls;
    public ConnectorTlsMode TlsMode { get; set; } = ConnectorTlsMode.StartTls;
    /// <summary>Refuse MAIL until TLS is active.</summary>
    public bool RequireTls { get; set; }
    /// <summary>Exchange receive connector default: 36 MB (OfficeDocs-Exchange message-size-limits).</summary>
    public long MaxMessageSizeBytes { get; set; } = 36L * 1024 * 1024;
    /// <summary>Exchange receive connector default: 200.</summary>
    public int MaxRecipientsPerMessage { get; set; } = 200;
    /// <summary>Exchange default: 5000.</summary>
    public int MaxInboundConnections { get; set; } = 5000;
    /// <summary>Exchange default: 20.</summary>
    public int MaxInboundConnectionsPerSource { get; set; } = 20;
    /// <summary>Exchange default ConnectionTimeout: 10 minutes.</summary>
    public int ConnectionTimeoutSeconds { get; set; } = 600;
    /// <summary>Exchange default ConnectionInactivityTimeout: 5 minutes (RFC 5321 §4.5.3.2.7 asks ≥ 5 min).</summary>
    public int IdleTimeoutSeconds { get; set; } = 300;
    /// <summary>
    /// A whole command line must arrive within this time once its first octet came (Postfix's
    /// smtpd_per_record_deadline): a client trickling one byte at a time is cut with its own reply,
    /// not held until the connection timeout. RFC 5321 §4.5.3.2 suggests 5 minutes for commands.
    /// </summary>
    public int CommandTimeoutSeconds { get; set; } = 300;
    /// <summary>
    /// The least DATA/BDAT transfer rate after <see cref="DataRateGraceSeconds"/> (Postfix's
    /// smtpd_min_data_rate: each octet received extends the deadline by 1/rate seconds). 0 = off.
    /// </summary>
    public int MinDataRateBytesPerSecond { get; set; } = 500;
    /// <summary>How long a DATA/BDAT transfer may run before <see cref="MinDataRateBytesPerSecond"/> applies.</summary>
    public int DataRateGraceSeconds { get; set; } = 30;
    /// <summary>
    /// Postscreen-style checks before the banner: the greeting is held for <see cref="GreetPauseMilliseconds"/>
    /// and a client that talks first, or pipelines before PIPELINING was offered, is refused. Clients on
    /// the IP allow list skip them.
    /// </summary>
    public bool PreGreetingChecks { get; set; }
    /// <summary>How long the banner is held when <see cref="PreGreetingChecks"/> is on (postscreen_greet_wait: 6 s).</summary>
    public int GreetPauseMilliseconds { get; set; } = 6000;
    /// <summary>Exchange default MaxProtocolErrors: 5.</summary>
    public int MaxProtocolErrors { get; set; } = 5;
    /// <summary>
    /// Exchange default TarpitInterval: 5 seconds, waited before every refusal to an anonymous client
    /// (an unknown recipient among them, which slows directory harvest). Authenticated sessions are never delayed.
    /// </summary>
    public int TarpitIntervalMilliseconds { get; set; } = 5000;
    public BareLineEndingPolicy BareLineEndings { get; set; } = BareLineEndingPolicy.Reject;
    /// <summary>SPF, DKIM and DMARC checks of anonymous senders; off by default (turn on for the connector that takes Internet mail).</summary>
    public SenderAuthenticationMode SenderAuthentication { get; set; } = SenderAuthenticationMode.Off;
    public ProtocolLoggingLevel ProtocolLogging { get; set; } = ProtocolLoggingLevel.None;
    /// <summary>TLS certificate to present; null = the node's default certificate.</summary>
    public Guid? CertificateId { get; set; }
    public int Revision { get; set; }

    public string DisplayName => Name;
}
