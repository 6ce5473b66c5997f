using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mailflow.Configuration;

/// <summary>Self-signed SMTP server certificates: the node's default one and those an admin generates.</summary>
public static class SelfSignedCertificates
{
    /// <summary>An RSA-2048 server certificate for <paramref name="fqdn"/> (subject CN and SAN), valid from five minutes before <paramref name="now"/>.</summary>
    public static X509Certificate2 Create(string fqdn, DateTimeOffset now, TimeSpan validity)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={fqdn}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(fqdn);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyEncipherment, true));
        // id-kp-serverAuth (RFC 5280 §4.2.1.12).
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now + validity);
        // Re-import from PKCS#12 so the key is a persisted, exportable one SslStream can hand to OpenSSL.
        return X509CertificateLoader.LoadPkcs12(certificate.Export(X509ContentType.Pfx), password: null, X509KeyStorageFlags.Exportable);
    }
}
