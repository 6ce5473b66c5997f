namespace Mailflow.Configuration;

/// <summary>A domain pattern a send connector serves: <c>contoso.com</c>, <c>*.contoso.com</c> or <c>*</c>. Lower cost wins among equally specific matches.</summary>
public sealed record AddressSpace(string Domain, int Cost = 1);

public enum SendRoutingMethod
{
    /// <summary>Look up the recipient domain's MX records (A/AAAA fallback).</summary>
    DnsMx,
    /// <summary>Hand every message to the listed smart hosts, in order, failing over.</summary>
    SmartHost,
}

public enum SmartHostAuthentication
{
    None,
    /// <summary>AUTH PLAIN/LOGIN with stored credentials (password encrypted with Data Protection).</summary>
    Basic,
}

public enum OutboundTlsPolicy
{
    /// <summary>STARTTLS when offered, any certificate; plain text otherwise.</summary>
    Opportunistic,
    /// <summary>STARTTLS must succeed, any certificate; otherwise the delivery is deferred.</summary>
    Required,
    /// <summary>STARTTLS must succeed with a valid certificate whose name matches <see cref="SendConnector.TlsCertificateDomain"/> (or the next hop).</summary>
    RequiredWithCertificateValidation,
}

/// <summary>
/// How a send connector treats the MTA-STS policies (RFC 8461) of the domains it delivers to by MX.
/// Smart-host connectors never look policies up: MTA-STS is about a domain's own MX hosts.
/// </summary>
public enum MtaStsOutboundMode
{
    /// <summary>No policy lookup.</summary>
    Off,
    /// <summary>Policies are fetched and checked, and violations are logged and traced, but mail is delivered as the TLS policy says (report only).</summary>
    Testing,
    /// <summary>A domain's "enforce" policy is honoured: only MX hosts the policy names, only over TLS with a valid certificate for the MX name; otherwise the delivery is deferred. "testing" policies are reported only.</summary>
    Enforce,
}

public sealed class SendConnector : IConfigurationObject
{
    public Guid Id { get; set; } = Guid.NewGuid();
    public string Name { get; set; } = "";
    public bool Enabled { get; set; } = true;
    public List<AddressSpace> AddressSpaces { get; set; } = [];
    public SendRoutingMethod RoutingMethod { get; set; } = SendConnectorDefaults.RoutingMethod;
    /// <summary><c>host</c> or <c>host:port</c>, tried in order.</summary>
    public List<string> SmartHosts { get; set; } = [];
    public SmartHostAuthentication SmartHostAuthentication { get; set; }
    public string SmartHostUsername { get; set; } = "";
    /// <summary>The smart host password, protected with ASP.NET Core Data Protection. Never shown back.</summary>
    [Sensitive]
    public string? SmartHostPasswordProtected { get; set; }
    public OutboundTlsPolicy TlsPolicy { get; set; } = SendConnectorDefaults.TlsPolicy;
    /// <summary>The name the remote certificate must carry with <see cref="OutboundTlsPolicy.RequiredWithCertificateValidation"/>; empty = the next hop's host name.</summary>
    public string TlsCertificateDomain { get; set; } = "";
    /// <summary>MTA-STS for MX delivery; default in <see cref="SendConnectorDefaults.MtaSts"/>.</summary>
    public MtaStsOutboundMode MtaSts { get; set; } = SendConnectorDefaults.MtaSts;
    /// <summary>DANE (RFC 7672) for MX delivery: DNSSEC-validated TLSA records of an MX host (the resolver's AD bit) make TLS and a matching certificate mandatory.</summary>
    public bool Dane { get; set; } = SendConnectorDefaults.Dane;
    public int Port { get; set; } = SendConnectorDefaults.Port;
    /// <summary>Name in EHLO. Empty = the node's FQDN.</summary>
    public string HeloFqdn { get; set; } = "";
    /// <summary>0 = unlimited; default in <see cref="SendConnectorDefaults"/>.</summary>
    public long MaxMessageSizeBytes { get; set; } = SendConnectorDefaults.MaxMessageSizeBytes;
    /// <summary>Nodes that may use this connector; empty = every node.</summary>
    public List<string> SourceNodes { get; set; } = [];
    /// <summary>Concurrent connections per next hop.</summary>
    public int MaxConcurrentConnections { get; set; } = SendConnectorDefaults.MaxConcurrentConnections;
    /// <summary>Messages sent over one connection before it is closed.</summary>
    public int MaxMessagesPerConnection { get; set; } = SendConnectorDefaults.MaxMessagesPerConnection;
    public int Revision { get; set; }

    public string DisplayName => Name;
}
