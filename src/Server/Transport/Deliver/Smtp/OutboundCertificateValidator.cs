using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Deliver.Smtp;

/// <summary>
/// Decides whether a next hop's TLS certificate is good enough under the send connector's policy.
/// Opportunistic and Required accept any certificate: the point is encryption against passive
/// eavesdropping (RFC 7435 opportunistic security), and most MX certificates would fail a strict
/// check. RequiredWithCertificateValidation wants a chain to a trusted root (the system store, or
/// the connector's extra roots) and the expected name — <see cref="SmtpDeliverySettings.TlsCertificateDomain"/>
/// or the host connected to — in the certificate (RFC 6125 matching via <see cref="X509Certificate2.MatchesHostname"/>).
/// Revocation is not checked (no CRL/OCSP fetches from the delivery path; Postfix does not either).
/// </summary>
internal static class OutboundCertificateValidator
{
    public static RemoteCertificateValidationCallback For(SmtpDeliverySettings settings, string host) =>
        (_, certificate, _, _) => settings.TlsPolicy != OutboundTlsPolicy.RequiredWithCertificateValidation
            || IsValid(certificate, settings.TlsCertificateDomain is { Length: > 0 } name ? name : host, settings.TrustedRoots);

    /// <summary>
    /// Under a recipient domain's policy (MTA-STS, RFC 8461 §4.2): the certificate must chain to a trusted
    /// root and carry the MX host's name. What was found is always handed to <paramref name="observe"/>
    /// (for the trace and the TLS report); the certificate is refused only when the policy is
    /// <paramref name="enforced"/>, or when the connector itself validates certificates.
    /// </summary>
    public static RemoteCertificateValidationCallback ForPolicy(SmtpDeliverySettings settings, string host, string mxName, bool enforced, Action<CertificateProblem?> observe) =>
        (_, certificate, _, _) =>
        {
            var problem = Check(certificate, mxName, settings.TrustedRoots);
            observe(problem);
            if (enforced)
                return problem is null;
            return settings.TlsPolicy != OutboundTlsPolicy.RequiredWithCertificateValidation
                || IsValid(certificate, settings.TlsCertificateDomain is { Length: > 0 } name ? name : mxName, settings.TrustedRoots);
        };

    /// <summary>What is wrong with a certificate for <paramref name="expectedName"/>, in the words (and result types) of TLS-RPT (RFC 8460 §4.3); null when it is good.</summary>
    public static CertificateProblem? Check(X509Certificate? certificate, string expectedName, X509Certificate2Collection? trustedRoots)
    {
        if (certificate is null)
            return new CertificateProblem(CertificateProblem.ValidationFailure, "the server sent no certificate");
        using var leaf = new X509Certificate2(certificate);
        var now = DateTime.Now;
        if (leaf.NotAfter < now || leaf.NotBefore > now)
            return new CertificateProblem(CertificateProblem.Expired, $"the certificate of {expectedName} is not valid now (valid {leaf.NotBefore:u} to {leaf.NotAfter:u})");
        if (!leaf.MatchesHostname(expectedName, allowWildcards: true, allowCommonName: true))
            return new CertificateProblem(CertificateProblem.HostMismatch, $"the certificate ({leaf.Subject}) is not for {expectedName}");
        if (!BuildChain(leaf, null) && !(trustedRoots is { Count: > 0 } && BuildChain(leaf, trustedRoots)))
            return new CertificateProblem(CertificateProblem.NotTrusted, $"the certificate of {expectedName} ({leaf.Subject}, issued by {leaf.Issuer}) does not chain to a trusted root");
        return null;
    }

    /// <summary>Whether the certificate chains to one of <paramref name="roots"/> (only those).</summary>
    public static bool ChainsTo(X509Certificate certificate, X509Certificate2Collection roots)
    {
        using var leaf = new X509Certificate2(certificate);
        return BuildChain(leaf, roots);
    }

    public static bool IsValid(X509Certificate? certificate, string expectedName, X509Certificate2Collection? trustedRoots)
    {
        if (certificate is null)
            return false;
        using var leaf = new X509Certificate2(certificate);
        if (!leaf.MatchesHostname(expectedName, allowWildcards: true, allowCommonName: true))
            return false;
        if (BuildChain(leaf, null))
            return true;
        return trustedRoots is { Count: > 0 } && BuildChain(leaf, trustedRoots);
    }

    private static bool BuildChain(X509Certificate2 leaf, X509Certificate2Collection? customRoots)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.DisableCertificateDownloads = true;
        if (customRoots is not null)
        {
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.AddRange(customRoots);
        }
        return chain.Build(leaf);
    }
}

/// <summary>Why a certificate does not satisfy a policy; <see cref="Kind"/> is the TLS-RPT result type (RFC 8460 §4.3.2).</summary>
public sealed record CertificateProblem(string Kind, string Text)
{
    public const string HostMismatch = "certificate-host-mismatch";
    public const string Expired = "certificate-expired";
    public const string NotTrusted = "certificate-not-trusted";
    public const string ValidationFailure = "validation-failure";
    public const string TlsaInvalid = "tlsa-invalid";
}
