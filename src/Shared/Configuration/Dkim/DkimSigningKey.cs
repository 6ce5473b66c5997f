using System.Text.Json.Serialization;

namespace Mailflow.Configuration;

public enum DkimKeyAlgorithm
{
    /// <summary>rsa-sha256 with a 2048-bit key (RFC 8301).</summary>
    Rsa2048,
    /// <summary>ed25519-sha256 (RFC 8463).</summary>
    Ed25519,
}

/// <summary>Where a key is in its life, derived from its fields (<see cref="DkimSigningKey.Lifecycle"/>).</summary>
public enum DkimKeyLifecycle
{
    /// <summary>Generated or imported, not signing (an admin enables it once its record is published).</summary>
    Disabled,
    /// <summary>A rotation's new key: it starts signing by itself once DNS serves its record.</summary>
    Pending,
    /// <summary>Signs outbound mail.</summary>
    Active,
    /// <summary>Replaced by a newer key: no longer signs, but its record must stay published for the overlap.</summary>
    Retiring,
    /// <summary>Out of use: its record may be removed from DNS; its private key is erased.</summary>
    Retired,
}

/// <summary>
/// A DKIM signing key of one domain: the selector it is published under, the public key (for the TXT
/// record to publish) and the private key, encrypted at rest with ASP.NET Core Data Protection
/// (<see cref="DkimKeyProtector"/>) and never shown, exported or audited. Outbound mail whose From
/// domain has enabled keys is signed with each of them (an RSA and an Ed25519 key sign together).
/// </summary>
public sealed class DkimSigningKey : IConfigurationObject, IAuditedAs
{
    public Guid Id { get; set; } = Guid.NewGuid();
    /// <summary>The signing domain (d=), an accepted domain, lower case.</summary>
    public string Domain { get; set; } = "";
    /// <summary>The selector (s=): the key is published at <c>selector._domainkey.domain</c>.</summary>
    public string Selector { get; set; } = "";
    public DkimKeyAlgorithm Algorithm { get; set; }
    /// <summary>The p= value: base64 of the SubjectPublicKeyInfo (RSA) or of the bare 32-octet key (Ed25519).</summary>
    public string PublicKey { get; set; } = "";
    /// <summary>PKCS#8 private key, protected. Never leaves the server.</summary>
    [JsonIgnore]
    public byte[] ProtectedPrivateKey { get; set; } = [];
    /// <summary>Whether outbound mail is signed with this key (publish the record first, then enable).</summary>
    public bool Enabled { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>When it began to sign (the rotation schedule counts from here).</summary>
    public DateTimeOffset? ActivatedAt { get; set; }
    /// <summary>A rotation's new key: enable it as soon as DNS serves its record (and retire the one it replaces).</summary>
    public bool ActivateWhenPublished { get; set; }
    /// <summary>The key this one replaces in a rotation (same domain and algorithm).</summary>
    public Guid? ReplacesKeyId { get; set; }
    /// <summary>When DNS was last seen serving exactly this key.</summary>
    public DateTimeOffset? DnsVerifiedAt { get; set; }
    /// <summary>When a newer key took over; the record stays published until the overlap has passed.</summary>
    public DateTimeOffset? RetiringSince { get; set; }
    public DateTimeOffset? RetiredAt { get; set; }
    /// <summary>Rotate automatically this many days after the key began to sign; null = only by hand.</summary>
    public int? RotateEveryDays { get; set; }
    public int Revision { get; set; }

    public DkimKeyLifecycle Lifecycle =>
        RetiredAt is not null ? DkimKeyLifecycle.Retired
        : RetiringSince is not null ? DkimKeyLifecycle.Retiring
        : Enabled ? DkimKeyLifecycle.Active
        : ActivateWhenPublished ? DkimKeyLifecycle.Pending
        : DkimKeyLifecycle.Disabled;

    public string DisplayName => $"{Selector}._domainkey.{Domain}";

    /// <summary>The DNS name of the TXT record to publish.</summary>
    public string DnsRecordName => $"{Selector}._domainkey.{Domain}";

    /// <summary>The TXT record's value, exactly as to publish (split into 255-octet strings by the DNS tool if needed).</summary>
    public string DnsRecordValue => $"v=DKIM1; k={(Algorithm == DkimKeyAlgorithm.Ed25519 ? "ed25519" : "rsa")}; p={PublicKey}";

    /// <summary>The a= tag of signatures made with this key.</summary>
    public string SignatureAlgorithm => Algorithm == DkimKeyAlgorithm.Ed25519 ? "ed25519-sha256" : "rsa-sha256";

    public object AuditView => new { Domain, Selector, Algorithm, Enabled, Lifecycle, RotateEveryDays };
}
