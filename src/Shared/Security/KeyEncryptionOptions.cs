namespace Mailflow.Security;

/// <summary>
/// <c>Mailflow:KeyEncryption</c>: the certificate that encrypts the Data Protection key ring at rest.
/// The key ring sits in the store beside the secrets it protects (smart-host passwords, TLS private
/// keys, sign-in cookies), so its keys are encrypted with a certificate kept outside the store.
/// </summary>
public sealed class KeyEncryptionOptions
{
    public const string Section = "Mailflow:KeyEncryption";

    /// <summary>
    /// A PKCS#12 file with the certificate and its RSA private key. Empty = <c>{DataDirectory}/keys/key-encryption.pfx</c>,
    /// generated at the first start (mode 0600). Every node of a cluster needs the same file.
    /// </summary>
    public string CertificatePath { get; set; } = "";

    /// <summary>The PKCS#12 file's password (empty = none). Prefer the environment variable over appsettings.json.</summary>
    public string CertificatePassword { get; set; } = "";
}
