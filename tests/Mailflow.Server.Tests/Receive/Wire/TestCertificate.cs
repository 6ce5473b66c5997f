using System.Net.Security;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mailflow.Server.Tests.Receive.Wire;

/// <summary>A self-signed server certificate made at test time (never checked in).</summary>
public static class TestCertificate
{
    private static readonly Lazy<X509Certificate2> Instance = new(Create);

    private static readonly Lazy<SslStreamCertificateContext> ContextInstance = new(() => SslStreamCertificateContext.Create(Instance.Value, null, offline: true));

    public static X509Certificate2 Value => Instance.Value;

    /// <summary>What the receive host presents: the certificate as an <see cref="SslStreamCertificateContext"/>.</summary>
    public static SslStreamCertificateContext Context => ContextInstance.Value;

    private static X509Certificate2 Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=mx.local.test", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        var san = new SubjectAlternativeNameBuilder();
        san.AddDnsName("mx.local.test");
        request.CertificateExtensions.Add(san.Build());
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension([new Oid("1.3.6.1.5.5.7.3.1")], critical: false));
        var now = DateTimeOffset.UtcNow;
        return request.CreateSelfSigned(now.AddMinutes(-5), now.AddDays(1));
    }
}
