using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using DnsClient;
using DnsClient.Protocol;
using Mailflow.Server.Transport.Deliver.Smtp;

namespace Mailflow.Server.Transport.Deliver.Tls;

/// <summary>One TLSA record (RFC 6698 §2.1) in the form DANE for SMTP uses (RFC 7672 §3.1).</summary>
public sealed record TlsaAssociation(byte Usage, byte Selector, byte MatchingType, byte[] Data)
{
    /// <summary>DANE-TA(2): the certificate of a trust anchor in the server's chain.</summary>
    public const byte DaneTa = 2;
    /// <summary>DANE-EE(3): the server's own certificate or key.</summary>
    public const byte DaneEe = 3;

    /// <summary>RFC 7672 §3.1: only DANE-TA and DANE-EE are used for SMTP; selectors Cert(0)/SPKI(1); matching Full(0)/SHA2-256(1)/SHA2-512(2).</summary>
    public bool IsUsable => Usage is DaneTa or DaneEe && Selector is 0 or 1 && MatchingType is 0 or 1 or 2;

    public bool Matches(X509Certificate2 certificate)
    {
        var selected = Selector == 0 ? certificate.RawData : certificate.PublicKey.ExportSubjectPublicKeyInfo();
        var associated = MatchingType switch
        {
            1 => SHA256.HashData(selected),
            2 => SHA512.HashData(selected),
            _ => selected,
        };
        return CryptographicOperations.FixedTimeEquals(associated, Data);
    }

    public override string ToString() => $"{Usage} {Selector} {MatchingType} {Convert.ToHexStringLower(Data)[..Math.Min(16, Data.Length * 2)]}…";
}

/// <summary>
/// DANE for one MX host (RFC 7672): its DNSSEC-validated TLSA records. With usable records TLS is
/// mandatory and the certificate must match one of them; with only unusable ones TLS is still
/// mandatory, without authentication (§2.2).
/// </summary>
public sealed record DaneRequirement(string TlsaName, IReadOnlyList<TlsaAssociation> Usable)
{
    /// <summary>Why the server's certificate fails these records, or null when one matches (DANE-EE: the leaf, no name or date check, §3.1.1; DANE-TA: a certificate of the chain the server sent, and the leaf must chain to it and carry <paramref name="mxName"/>, §3.1.2).</summary>
    public CertificateProblem? Check(System.Security.Cryptography.X509Certificates.X509Certificate? certificate, X509Chain? chain, string mxName)
    {
        if (Usable.Count == 0)
            return null;
        if (certificate is null)
            return new CertificateProblem(CertificateProblem.TlsaInvalid, $"{mxName} sent no certificate");
        using var leaf = new X509Certificate2(certificate);
        if (Usable.Any(r => r.Usage == TlsaAssociation.DaneEe && r.Matches(leaf)))
            return null;
        var anchors = chain?.ChainElements.Skip(1).Select(e => e.Certificate).ToList() ?? [];
        foreach (var anchor in anchors.Where(a => Usable.Any(r => r.Usage == TlsaAssociation.DaneTa && r.Matches(a))))
        {
            if (!leaf.MatchesHostname(mxName, allowWildcards: true, allowCommonName: true))
                return new CertificateProblem(CertificateProblem.HostMismatch, $"the certificate ({leaf.Subject}) chains to the DANE trust anchor of {TlsaName} but is not for {mxName}");
            if (OutboundCertificateValidator.ChainsTo(leaf, [anchor]))
                return null;
        }
        return new CertificateProblem(CertificateProblem.TlsaInvalid,
            $"the certificate of {mxName} ({leaf.Subject}) matches none of the TLSA records of {TlsaName} ({string.Join(", ", Usable)})");
    }

    public string Describe() => $"DANE {TlsaName} (DNSSEC-validated, {Usable.Count} usable TLSA record{(Usable.Count == 1 ? "" : "s")})";
}

/// <summary>
/// TLSA lookups for DANE (RFC 7672 §2.2): <c>_&lt;port&gt;._tcp.&lt;mx host&gt;</c> asked with the DO bit; the
/// answer counts only when the resolver vouches for it with the AD bit — Postfix's
/// <c>smtp_dns_support_level = dnssec</c>, trusting the configured resolvers to validate. Records
/// without AD, no records and lookup failures all mean "no DANE" for that host.
/// </summary>
public sealed class DaneTlsaLookup(ILookupClient lookup)
{
    public static string NameFor(string mxName, int port) => $"_{port}._tcp.{mxName.TrimEnd('.')}";

    /// <returns>The requirement, or null with what was found (for the trace).</returns>
    public async Task<(DaneRequirement? Requirement, string? Note)> LookupAsync(string mxName, int port, CancellationToken cancellationToken)
    {
        var name = NameFor(mxName, port);
        IDnsQueryResponse response;
        try
        {
            response = await lookup.QueryAsync(name, QueryType.TLSA, cancellationToken: cancellationToken);
        }
        catch (DnsResponseException exception)
        {
            return (null, $"TLSA lookup for {name} failed ({exception.Code}); DANE not applied");
        }
        var records = response.Answers.OfType<TlsaRecord>().ToList();
        if (response.HasError || records.Count == 0)
            return (null, null);
        if (!response.Header.IsAuthenticData)
            return (null, $"{name} has TLSA records, but not DNSSEC-validated (no AD bit): ignored");
        var usable = records
            .Select(r => new TlsaAssociation((byte)r.CertificateUsage, (byte)r.Selector, (byte)r.MatchingType, r.CertificateAssociationData.ToArray()))
            .Where(r => r.IsUsable)
            .ToList();
        return (new DaneRequirement(name, usable), null);
    }
}
