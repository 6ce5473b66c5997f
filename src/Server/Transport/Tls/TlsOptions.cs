namespace Mailflow.Server.Transport.Tls;

/// <summary><c>Mailflow:Tls</c>: the certificate SMTP presents. With nothing configured, a self-signed certificate is generated once and kept in the data directory.</summary>
public sealed class TlsOptions
{
    public const string Section = "Mailflow:Tls";

    /// <summary>A PEM certificate (chain) file or a PFX/PKCS#12 file.</summary>
    public string CertificatePath { get; set; } = "";
    /// <summary>The PEM private key file, when the certificate is PEM and the key is separate.</summary>
    public string KeyPath { get; set; } = "";
    /// <summary>The PFX password or the encrypted PEM key's password.</summary>
    public string Password { get; set; } = "";
}
