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
