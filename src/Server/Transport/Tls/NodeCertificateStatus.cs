using System.Security.Cryptography.X509Certificates;
using Mailflow.Cluster;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Tls;

/// <summary>The admin center's view of <see cref="NodeCertificate"/>: subject, names, issuer and validity; never the key.</summary>
public sealed class NodeCertificateStatus(NodeCertificate certificate) : INodeCertificateStatus
{
    public NodeCertificateSummary Current => Describe(certificate.Certificate);

    public bool IsConfigured => certificate.IsConfigured;

    public NodeCertificateSummary GenerateSelfSigned(AdminActor actor)
    {
        if (!actor.CanManageOrganization)
            throw new ConfigurationForbiddenException($"{actor.Name} may not replace the node's certificate (needs the Organization Management role).");
        return Describe(certificate.RegenerateSelfSigned());
    }

    private NodeCertificateSummary Describe(X509Certificate2 c)
    {
        var names = new List<string>();
        foreach (var extension in c.Extensions)
            if (extension is X509SubjectAlternativeNameExtension san)
                names.AddRange(san.EnumerateDnsNames());
        return new NodeCertificateSummary(
            c.Subject,
            names,
            c.Issuer,
            new DateTimeOffset(c.NotBefore.ToUniversalTime()),
            new DateTimeOffset(c.NotAfter.ToUniversalTime()),
            c.Thumbprint,
            SelfSigned: c.SubjectName.RawData.AsSpan().SequenceEqual(c.IssuerName.RawData),
            Configured: certificate.IsConfigured);
    }
}
