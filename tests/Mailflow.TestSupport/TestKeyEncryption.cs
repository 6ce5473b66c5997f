using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mailflow.TestSupport;

/// <summary>
/// One key-encryption certificate for every node a test process starts, as an operator gives every
/// node of a cluster the same file (<c>Mailflow:KeyEncryption:CertificatePath</c>): nodes on one
/// PostgreSQL store must decrypt each other's keys.
/// </summary>
public static class TestKeyEncryption
{
    private static readonly Lazy<string> SharedPath = new(Create);

    public const string SettingKey = "Mailflow:KeyEncryption:CertificatePath";

    public static string CertificatePath => SharedPath.Value;

    private static string Create()
    {
        using var key = RSA.Create(2048);
        var request = new CertificateRequest("CN=Mailflow test key encryption", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        using var certificate = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddDays(-1), DateTimeOffset.UtcNow.AddYears(5));
        var path = Path.Combine(Directory.CreateTempSubdirectory("mailflow-key-encryption-").FullName, "key-encryption.pfx");
        File.WriteAllBytes(path, certificate.Export(X509ContentType.Pfx));
        return path;
    }
}
