using System.Collections.Frozen;
using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Tls;

/// <summary>
/// The certificates receive connectors present. <see cref="Apply"/> loads the stored certificates of
/// a new configuration generation once — unprotecting the key material, building the chain context —
/// and swaps the set atomically; a certificate already loaded for an earlier generation (same id and
/// thumbprint) is reused, so a change elsewhere decrypts nothing. <see cref="For"/> is what a
/// connection asks at accept: the connector's assigned certificate, or the node's certificate when
/// none is assigned or the assigned one cannot be loaded. Sessions in flight keep the one they started with.
/// </summary>
public sealed partial class ReceiveCertificates(NodeCertificate node, TlsCertificateProtector protector, ILogger<ReceiveCertificates> logger)
{
    private sealed record Loaded(string Thumbprint, SslStreamCertificateContext Context);

    private sealed record NodeContext(X509Certificate2 Certificate, SslStreamCertificateContext Context);

    private FrozenDictionary<Guid, Loaded> _loaded = FrozenDictionary<Guid, Loaded>.Empty;
    private NodeContext? _node;

    /// <summary>Loads the stored certificates of <paramref name="snapshot"/>; call before its connectors take connections.</summary>
    public void Apply(TransportConfig snapshot)
    {
        var previous = Volatile.Read(ref _loaded);
        var next = new Dictionary<Guid, Loaded>();
        foreach (var (id, stored) in snapshot.Certificates)
        {
            if (previous.TryGetValue(id, out var already) && already.Thumbprint == stored.Thumbprint)
            {
                next[id] = already;
                continue;
            }
            if (TryLoad(stored) is { } context)
                next[id] = new Loaded(stored.Thumbprint, context);
        }
        Volatile.Write(ref _loaded, next.ToFrozenDictionary());
        foreach (var connector in snapshot.ReceiveConnectors.Where(c => c.Enabled && c.TlsMode != ConnectorTlsMode.None))
            if (connector.CertificateId is { } wanted && !next.ContainsKey(wanted))
                Log.AssignedCertificateMissing(logger, connector.Name, wanted);
    }

    /// <summary>The certificate a connection on a connector with <paramref name="certificateId"/> presents.</summary>
    public SslStreamCertificateContext For(Guid? certificateId) =>
        certificateId is { } id && Volatile.Read(ref _loaded).TryGetValue(id, out var loaded) ? loaded.Context : NodeDefault();

    /// <summary>The node certificate's context, rebuilt when the node certificate was regenerated.</summary>
    private SslStreamCertificateContext NodeDefault()
    {
        var certificate = node.Certificate;
        var cached = Volatile.Read(ref _node);
        if (cached is not null && ReferenceEquals(cached.Certificate, certificate))
            return cached.Context;
        var fresh = new NodeContext(certificate, SslStreamCertificateContext.Create(certificate, additionalCertificates: null, offline: true));
        Volatile.Write(ref _node, fresh);
        return fresh.Context;
    }

    private SslStreamCertificateContext? TryLoad(TlsCertificate stored)
    {
        try
        {
            var certificates = protector.Load(stored);
            var leaf = certificates[0];
            if (!leaf.HasPrivateKey)
            {
                Log.CertificateUnusable(logger, stored.Name, stored.Thumbprint, null);
                return null;
            }
            var chain = new X509Certificate2Collection();
            for (var i = 1; i < certificates.Count; i++)
                chain.Add(certificates[i]);
            // offline: never fetch intermediates or OCSP responses from the network while building the chain.
            var context = SslStreamCertificateContext.Create(leaf, chain, offline: true);
            Log.CertificateLoaded(logger, stored.Name, stored.Thumbprint, stored.NotAfter);
            return context;
        }
        catch (CryptographicException exception)
        {
            // A key ring without the key that protected it (another cluster's store copied here), or damaged bytes.
            Log.CertificateUnusable(logger, stored.Name, stored.Thumbprint, exception);
            return null;
        }
    }

    private static partial class Log
    {
        [LoggerMessage(1902, LogLevel.Information, "Loaded TLS certificate {Name} ({Thumbprint}), valid until {NotAfter}")]
        public static partial void CertificateLoaded(ILogger logger, string name, string thumbprint, DateTimeOffset notAfter);

        [LoggerMessage(1903, LogLevel.Error, "TLS certificate {Name} ({Thumbprint}) cannot be loaded; connectors assigned to it present the node certificate")]
        public static partial void CertificateUnusable(ILogger logger, string name, string thumbprint, Exception? exception);

        [LoggerMessage(1904, LogLevel.Warning, "Receive connector {Connector} is assigned certificate {CertificateId}, which is not loaded; it presents the node certificate")]
        public static partial void AssignedCertificateMissing(ILogger logger, string connector, Guid certificateId);
    }
}
