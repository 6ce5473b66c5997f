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
        // The certificates the server sent: what the platform could chain, and everything else it presented.
        var presented = (chain?.ChainElements.Skip(1).Select(e => e.Certificate) ?? []).Concat(chain?.ChainPolicy.ExtraStore ?? []).ToList();
        var anchors = presented.ToList();
        // A DANE-TA record with the whole certificate (2 0 0) is itself the anchor: the server need not send it (RFC 7672 §3.1.2).
        foreach (var record in Usable.Where(r => r.Usage == TlsaAssociation.DaneTa && r.Selector == 0 && r.MatchingType == 0))
        {
            try
            {
                anchors.Add(X509CertificateLoader.LoadCertificate(record.Data));
            }
            catch (CryptographicException)
            {
                // Not a certificate: the record matches nothing.
            }
        }
        foreach (var anchor in anchors.Where(a => Usable.Any(r => r.Usage == TlsaAssociation.DaneTa && r.Matches(a))))
        {
            if (!leaf.MatchesHostname(mxName, allowWildcards: true, allowCommonName: true))
                return new CertificateProblem(CertificateProblem.HostMismatch, $"the certificate ({leaf.Subject}) chains to the DANE trust anchor of {TlsaName} but is not for {mxName}");
            if (ChainsToAnchor(leaf, anchor, presented))
                return null;
        }
        return new CertificateProblem(CertificateProblem.TlsaInvalid,
            $"the certificate of {mxName} ({leaf.Subject}) matches none of the TLSA records of {TlsaName} ({string.Join(", ", Usable)})");
    }

    public string Describe() => $"DANE {TlsaName} (DNSSEC-validated, {Usable.Count} usable TLSA record{(Usable.Count == 1 ? "" : "s")})";

    /// <summary>
    /// Whether <paramref name="leaf"/> chains to <paramref name="anchor"/> through the certificates the server presented. DANE-TA
    /// makes the anchor trusted whatever the system store says, and it may be an intermediate, which the platform does not
    /// take as a root: so the chain is built as far as it goes, every problem other than the untrusted (or missing) root
    /// refuses it (signatures, dates, usage), and the anchor must be one of its links.
    /// </summary>
    private static bool ChainsToAnchor(X509Certificate2 leaf, X509Certificate2 anchor, IReadOnlyList<X509Certificate2> presented)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        foreach (var certificate in presented.Append(anchor))
            chain.ChainPolicy.ExtraStore.Add(certificate);
        chain.Build(leaf);
        const X509ChainStatusFlags onlyTheRoot = X509ChainStatusFlags.UntrustedRoot | X509ChainStatusFlags.PartialChain;
        if (chain.ChainStatus.Any(s => (s.Status & ~onlyTheRoot) != 0))
            return false;
        return chain.ChainElements.Skip(1).Any(e => e.Certificate.RawData.AsSpan().SequenceEqual(anchor.RawData));
    }
}

/// <summary>What a TLSA lookup found for one MX host (RFC 7672 §2.2).</summary>
/// <param name="Requirement">DNSSEC-validated records: TLS is mandatory; null = no DANE for this host.</param>
/// <param name="Note">What was found when it is not DANE (records without the AD bit), for the trace.</param>
/// <param name="Failure">The lookup failed (SERVFAIL — a validating resolver's answer to bogus data —, another error, no answer): the host
/// may have DANE and an attacker may be hiding it, so it is not used at all, and never in clear (§2.2); null when the lookup answered.</param>
public sealed record DaneLookup(DaneRequirement? Requirement, string? Note, string? Failure = null)
{
    public static DaneLookup None { get; } = new(null, null);

    /// <summary>One sentence for "Test connector" and "Test mail flow".</summary>
    public string Describe(string tlsaName) => this switch
    {
        { Failure: { } failure } => $"DANE: {failure}; delivery skips this host and the message waits (451 4.7.5), never in clear (RFC 7672 §2.2)",
        { Requirement: { Usable.Count: > 0 } requirement } => $"{requirement.Describe()}: TLS and a certificate matching a record ({string.Join(", ", requirement.Usable)}) are mandatory, else the message waits (451 4.7.5)",
        { Requirement: { } requirement } => $"{requirement.Describe()}: only unusable records, so TLS is mandatory without authentication (RFC 7672 §2.2)",
        { Note: { } note } => $"DANE: {note}",
        _ => $"DANE: {tlsaName} has no TLSA records: no DANE for this host",
    };
}

/// <summary>
/// TLSA lookups for DANE (RFC 7672 §2.2): <c>_&lt;port&gt;._tcp.&lt;mx host&gt;</c> asked with the DO bit; the
/// answer counts only when the resolver vouches for it with the AD bit — Postfix's
/// <c>smtp_dns_support_level = dnssec</c>, trusting the configured resolvers to validate. Records
/// without AD and no records mean "no DANE" for that host; a failed lookup means the host is not used (§2.2).
/// </summary>
public sealed class DaneTlsaLookup(ILookupClient lookup)
{
    public static string NameFor(string mxName, int port) => $"_{port}._tcp.{mxName.TrimEnd('.')}";

    /// <returns>The requirement, or what was found instead (for the trace), or why the host may not be used.</returns>
    public async Task<DaneLookup> LookupAsync(string mxName, int port, CancellationToken cancellationToken)
    {
        var name = NameFor(mxName, port);
        IDnsQueryResponse response;
        try
        {
            response = await lookup.QueryAsync(name, QueryType.TLSA, cancellationToken: cancellationToken);
        }
        catch (DnsResponseException exception)
        {
            // No answer (timeout, network): as unknown as SERVFAIL.
            return new DaneLookup(null, null, $"the TLSA lookup for {name} failed ({exception.Code})");
        }
        // RFC 7672 §2.2: only "no such name" and "no records" mean no DANE; any other error (SERVFAIL for bogus
        // DNSSEC data, REFUSED…) leaves the host's TLSA records unknown.
        if (response.HasError && response.Header.ResponseCode != DnsHeaderResponseCode.NotExistentDomain)
            return new DaneLookup(null, null, $"the TLSA lookup for {name} failed ({response.Header.ResponseCode})");
        var records = response.Answers.OfType<TlsaRecord>().ToList();
        if (response.HasError || records.Count == 0)
            return DaneLookup.None;
        if (!response.Header.IsAuthenticData)
            return new DaneLookup(null, $"{name} has TLSA records, but not DNSSEC-validated (no AD bit): ignored");
        var usable = records
            .Select(r => new TlsaAssociation((byte)r.CertificateUsage, (byte)r.Selector, (byte)r.MatchingType, r.CertificateAssociationData.ToArray()))
            .Where(r => r.IsUsable)
            .ToList();
        return new DaneLookup(new DaneRequirement(name, usable), null);
    }
}
