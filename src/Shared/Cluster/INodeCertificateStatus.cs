namespace Mailflow.Cluster;

/// <summary>This node's SMTP TLS certificate as the admin center shows it; implemented by the server, which owns the certificate.</summary>
public interface INodeCertificateStatus
{
    NodeCertificateSummary Current { get; }

    /// <summary>Whether the certificate comes from the node's configuration file (then it cannot be regenerated here).</summary>
    bool IsConfigured { get; }

    /// <summary>Replaces the stored self-signed certificate with a new one; new TLS sessions present it at once.</summary>
    /// <exception cref="Configuration.ConfigurationForbiddenException">The actor lacks Organization Management.</exception>
    NodeCertificateSummary GenerateSelfSigned(Configuration.AdminActor actor);
}

/// <summary>What an admin needs to judge a certificate. No key material.</summary>
public sealed record NodeCertificateSummary(
    string Subject,
    IReadOnlyList<string> SubjectAlternativeNames,
    string Issuer,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    string Thumbprint,
    bool SelfSigned,
    bool Configured);
