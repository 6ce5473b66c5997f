using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Mailflow.TestSupport;

/// <summary>
/// Certificates made at test time with <see cref="CertificateRequest"/> (none are checked in), and
/// the files an admin would upload: PEM with or without the key, an encrypted PKCS#8 key, a PFX.
/// </summary>
public static class TestCertificates
{
    /// <summary>A server certificate for <paramref name="commonName"/> (CN and DNS SAN) with its RSA key.</summary>
    /// <param name="ipAddress">Also an IP address SAN (for https://127.0.0.1:port/ servers).</param>
    public static X509Certificate2 Create(string commonName, DateTimeOffset? notBefore = null, DateTimeOffset? notAfter = null, X509Certificate2? issuer = null, System.Net.IPAddress? ipAddress = null)
    {
        var now = DateTimeOffset.UtcNow;
        var from = notBefore ?? now.AddMinutes(-5);
        var until = notAfter ?? now.AddDays(90);
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var names = new SubjectAlternativeNameBuilder();
        names.AddDnsName(commonName);
        if (ipAddress is not null)
            names.AddIpAddress(ipAddress);
        request.CertificateExtensions.Add(names.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], false));
        if (issuer is null)
            return Persist(request.CreateSelfSigned(from, until));
        using var signed = request.Create(issuer, from, until, RandomNumberGenerator.GetBytes(12));
        return Persist(signed.CopyWithPrivateKey(key));
    }

    /// <summary>A certificate authority that can sign <see cref="Create"/>'s certificates (a chain of two); with <paramref name="issuer"/>, an intermediate authority under it (a chain of three).</summary>
    public static X509Certificate2 CreateAuthority(string commonName, X509Certificate2? issuer = null)
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest($"CN={commonName}", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        request.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(request.PublicKey, false));
        var now = DateTimeOffset.UtcNow;
        if (issuer is null)
            return Persist(request.CreateSelfSigned(now.AddDays(-1), now.AddYears(1)));
        using var signed = request.Create(issuer, now.AddDays(-1), now.AddMonths(6), RandomNumberGenerator.GetBytes(12));
        return Persist(signed.CopyWithPrivateKey(key));
    }

    /// <summary>The certificate alone, PEM.</summary>
    public static byte[] CertificatePem(X509Certificate2 certificate) => Encoding.ASCII.GetBytes(certificate.ExportCertificatePem() + "\n");

    /// <summary>The private key, PEM: PKCS#8, encrypted (AES-256, PBKDF2) when <paramref name="password"/> is given.</summary>
    public static byte[] KeyPem(X509Certificate2 certificate, string? password = null)
    {
        using var key = certificate.GetRSAPrivateKey()!;
        var text = password is null
            ? key.ExportPkcs8PrivateKeyPem()
            : key.ExportEncryptedPkcs8PrivateKeyPem(password, new PbeParameters(PbeEncryptionAlgorithm.Aes256Cbc, HashAlgorithmName.SHA256, 10_000));
        return Encoding.ASCII.GetBytes(text + "\n");
    }

    /// <summary>Certificate, then the chain, then the key in one PEM file (what certbot's fullchain + privkey concatenated look like).</summary>
    public static byte[] CombinedPem(X509Certificate2 certificate, params X509Certificate2[] chain) =>
        [.. CertificatePem(certificate), .. chain.SelectMany(CertificatePem), .. KeyPem(certificate)];

    public static byte[] Pfx(X509Certificate2 certificate, string? password) => certificate.Export(X509ContentType.Pfx, password);

    /// <summary>Through PKCS#12, so the key is exportable (the form SslStream on Linux wants).</summary>
    private static X509Certificate2 Persist(X509Certificate2 ephemeral)
    {
        using (ephemeral)
            return X509CertificateLoader.LoadPkcs12(ephemeral.Export(X509ContentType.Pfx), password: null, X509KeyStorageFlags.Exportable);
    }
}
