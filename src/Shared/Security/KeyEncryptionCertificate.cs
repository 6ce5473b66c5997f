using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mailflow.Security;

/// <summary>
/// The certificate whose public key encrypts each Data Protection key before it is written to the
/// store, and whose private key decrypts it again. Loaded once at start-up: from
/// <see cref="KeyEncryptionOptions.CertificatePath"/> when set (a cluster: the same file on every
/// node), else from the data directory, where the first start generates it with mode 0600. Whoever
/// holds the database alone cannot decrypt anything.
/// </summary>
public sealed class KeyEncryptionCertificate
{
    public const string DefaultFileName = "key-encryption.pfx";

    private KeyEncryptionCertificate(X509Certificate2 certificate, string path, bool configured, bool generated)
    {
        Certificate = certificate;
        Path = path;
        IsConfigured = configured;
        WasGenerated = generated;
    }

    public X509Certificate2 Certificate { get; }
    public string Path { get; }
    /// <summary>From <see cref="KeyEncryptionOptions.CertificatePath"/> rather than the data directory.</summary>
    public bool IsConfigured { get; }
    /// <summary>This start generated it (the operator should back it up).</summary>
    public bool WasGenerated { get; }

    public static string DefaultPath(MailflowOptions options) => System.IO.Path.Combine(options.ResolvedDataDirectory, "keys", DefaultFileName);

    public static KeyEncryptionCertificate Load(MailflowOptions mailflow, KeyEncryptionOptions options)
    {
        var password = string.IsNullOrEmpty(options.CertificatePassword) ? null : options.CertificatePassword;
        if (!string.IsNullOrWhiteSpace(options.CertificatePath))
        {
            if (!File.Exists(options.CertificatePath))
                throw new InvalidOperationException(
                    $"The key-encryption certificate {options.CertificatePath} (Mailflow:KeyEncryption:CertificatePath) does not exist. Copy it from another node of the cluster, or clear the setting to use the one in the data directory.");
            return new(LoadWithKey(options.CertificatePath, password), options.CertificatePath, configured: true, generated: false);
        }
        var path = DefaultPath(mailflow);
        var generated = false;
        if (!File.Exists(path))
            generated = Generate(path);
        return new(LoadWithKey(path, password), path, configured: false, generated);
    }

    private static X509Certificate2 LoadWithKey(string path, string? password)
    {
        var certificate = X509CertificateLoader.LoadPkcs12FromFile(path, password, X509KeyStorageFlags.Exportable);
        if (certificate.GetRSAPrivateKey() is null)
            throw new InvalidOperationException($"The key-encryption certificate {path} has no RSA private key.");
        return certificate;
    }

    /// <summary>A self-signed RSA certificate used only to wrap keys (its dates do not matter to the key ring).</summary>
    private static bool Generate(string path)
    {
        using var key = RSA.Create(3072);
        var request = new CertificateRequest("CN=Mailflow key encryption", key, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1);
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyEncipherment | X509KeyUsageFlags.DataEncipherment, critical: true));
        var now = DateTimeOffset.UtcNow;
        using var certificate = request.CreateSelfSigned(now.AddMinutes(-5), now.AddYears(50));
        var directory = System.IO.Path.GetDirectoryName(path)!;
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(directory);
        else
            Directory.CreateDirectory(directory, DataDirectoryPermissions.DirectoryMode);
        var temporary = path + "." + Guid.NewGuid().ToString("N") + ".tmp";
        var write = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
            write.UnixCreateMode = DataDirectoryPermissions.FileMode;
        using (var file = new FileStream(temporary, write))
            file.Write(certificate.Export(X509ContentType.Pfx));
        try
        {
            // Rename is atomic and refuses to replace: a crash never leaves half a certificate, and
            // of two processes starting at once on one data directory, both end up with the first one's.
            File.Move(temporary, path, overwrite: false);
            return true;
        }
        catch (IOException) when (File.Exists(path))
        {
            File.Delete(temporary);
            return false;
        }
    }
}
