namespace Mailflow.Configuration;

/// <summary>How Mailflow treats mail for an accepted domain (Exchange's AcceptedDomain.DomainType).</summary>
public enum AcceptedDomainType
{
    /// <summary>Every recipient lives here: unknown recipients are rejected at RCPT with 550 5.1.1.</summary>
    Authoritative,
    /// <summary>Some recipients live here; the rest are relayed to another server inside the organization.</summary>
    InternalRelay,
    /// <summary>No recipient lives here; everything is relayed to a server outside the organization.</summary>
    ExternalRelay,
}

public sealed class AcceptedDomain : IConfigurationObject
{
    public Guid Id { get; set; } = Guid.NewGuid();
    /// <summary>Lower-case domain name without a trailing dot, e.g. <c>contoso.com</c>.</summary>
    public string DomainName { get; set; } = "";
    public AcceptedDomainType Type { get; set; } = AcceptedDomainType.Authoritative;
    /// <summary>Also accept every subdomain (<c>*.contoso.com</c>).</summary>
    public bool MatchSubdomains { get; set; }
    /// <summary>The domain used for generated addresses (postmaster, NDR senders). Exactly one domain is the default.</summary>
    public bool IsDefault { get; set; }
    public int Revision { get; set; }

    public string DisplayName => DomainName;
}
