using System.Net.Security;
using System.Security.Cryptography.X509Certificates;
using Mailflow.Server.Transport.Deliver.Smtp;

namespace Mailflow.Server.Transport.Deliver.Tls;

/// <summary>
/// The trust outbound TLS policies (MTA-STS, the HTTPS policy fetch) rest on. In production it is the
/// system's roots and port 443, and nothing configures it otherwise: a policy that an attacker's own
/// authority could satisfy would be no policy. Tests register their own instance (their test authority,
/// the port of their loopback HTTPS policy server) through the internal constructor.
/// </summary>
public sealed class OutboundTlsTrust
{
    public static OutboundTlsTrust System { get; } = new(null, 443);

    internal OutboundTlsTrust(X509Certificate2Collection? extraRoots, int mtaStsHttpsPort)
    {
        ExtraRoots = extraRoots;
        MtaStsHttpsPort = mtaStsHttpsPort;
    }

    /// <summary>Roots trusted besides the system store; null in production.</summary>
    public X509Certificate2Collection? ExtraRoots { get; }

    /// <summary>The port of <c>https://mta-sts.&lt;domain&gt;/</c>: 443 in production.</summary>
    public int MtaStsHttpsPort { get; }

    /// <summary>For the policy fetch: the platform's validation, or (tests) a chain to the extra roots with the right name.</summary>
    public RemoteCertificateValidationCallback? HttpsValidation => ExtraRoots is not { Count: > 0 } roots
        ? null
        : (_, certificate, _, errors) => errors == SslPolicyErrors.None
            || (errors == SslPolicyErrors.RemoteCertificateChainErrors && certificate is not null && OutboundCertificateValidator.ChainsTo(certificate, roots));
}
