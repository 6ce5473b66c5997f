using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.DataProtection;

namespace Mailflow.Configuration;

/// <summary>
/// Encrypts a stored certificate's PKCS#12 (certificate, chain, private key) at rest with ASP.NET
/// Core Data Protection, like <see cref="SmartHostPasswordProtector"/> does for smart-host
/// passwords. The key ring lives in the shared store, so every node can load what another imported.
/// </summary>
public sealed class TlsCertificateProtector(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("Mailflow.TlsCertificate.Pkcs12.v1");

    public byte[] Protect(byte[] pkcs12) => _protector.Protect(pkcs12);

    /// <summary>
    /// For the receive engine only (once per configuration generation, never per session): the
    /// certificate with its private key first, then its chain. Never show the result to an admin.
    /// </summary>
    /// <exception cref="System.Security.Cryptography.CryptographicException">The key ring cannot decrypt it, or the content is damaged.</exception>
    public X509Certificate2Collection Load(TlsCertificate certificate)
    {
        var pkcs12 = _protector.Unprotect(certificate.ProtectedPkcs12);
        try
        {
            // Exportable: SslStream on Linux hands the key to OpenSSL by exporting it.
            return TlsCertificateReader.OrderLeafFirst(
                X509CertificateLoader.LoadPkcs12Collection(pkcs12, password: null, X509KeyStorageFlags.Exportable));
        }
        finally
        {
            Array.Clear(pkcs12);
        }
    }
}
