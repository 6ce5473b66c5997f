namespace Mailflow.Configuration;

/// <summary>
/// A TLS certificate with its private key, stored so receive connectors can present it for STARTTLS
/// and implicit TLS. The descriptive fields are read from the certificate at import and never
/// edited (only <see cref="Name"/> is); the key travels only inside <see cref="ProtectedPkcs12"/>,
/// encrypted with ASP.NET Core Data Protection whose key ring lives in the shared store, so every
/// node can load what another node imported.
/// </summary>
public sealed class TlsCertificate : IConfigurationObject, IAuditedAs
{
    public Guid Id { get; set; } = Guid.NewGuid();
    /// <summary>The admin's name for it ("mx.contoso.com 2025").</summary>
    public string Name { get; set; } = "";
    public string Subject { get; set; } = "";
    public string Issuer { get; set; } = "";
    /// <summary>SHA-1 thumbprint in upper-case hex, as Windows and Exchange show it.</summary>
    public string Thumbprint { get; set; } = "";
    /// <summary>The DNS names of the subject alternative name extension (RFC 5280 §4.2.1.6).</summary>
    public List<string> DnsNames { get; set; } = [];
    public DateTimeOffset NotBefore { get; set; }
    public DateTimeOffset NotAfter { get; set; }
    public bool HasPrivateKey { get; set; }
    /// <summary>Subject and issuer are the same name: generated here or by an admin's own tool.</summary>
    public bool SelfSigned { get; set; }
    /// <summary>How many CA certificates travel with it to clients (the chain after the leaf).</summary>
    public int ChainLength { get; set; }
    /// <summary>
    /// The certificate, its chain and its private key as PKCS#12 without a password, encrypted with
    /// Data Protection. Never shown, exported or logged; only the receive engine unprotects it.
    /// </summary>
    [Sensitive]
    public byte[] ProtectedPkcs12 { get; set; } = [];
    public DateTimeOffset ImportedAt { get; set; }
    public int Revision { get; set; }

    public string DisplayName => Name;

    /// <summary>The audit log records which certificate by name and thumbprint, nothing of its content.</summary>
    public object AuditView => new { Name, Thumbprint };

    /// <summary>Where the certificate stands on <paramref name="now"/>: expired, expiring within <see cref="ExpiryWarningPeriod"/>, or fine.</summary>
    public CertificateExpiry ExpiryAt(DateTimeOffset now) => CertificateExpiryRules.Classify(NotAfter, now);

    /// <summary>Mailflow warns this long before a certificate expires (Let's Encrypt renews at 30 days left, too).</summary>
    public static readonly TimeSpan ExpiryWarningPeriod = TimeSpan.FromDays(30);
}
