namespace Mailflow.Configuration;

/// <summary>
/// What an admin uploads: a PEM file (certificate, optionally its private key and chain) with an
/// optional separate PEM key file, or a PFX/PKCS#12 file. <see cref="Password"/> opens the PFX or
/// an encrypted PEM key; it is used once and never stored or logged.
/// </summary>
/// <param name="Name">The name to store it under; empty = the certificate's common name.</param>
public sealed record CertificateUpload(string Name, byte[] CertificateFile, byte[]? PrivateKeyFile = null, string? Password = null)
{
    /// <summary>Never prints the password or the files.</summary>
    public override string ToString() => $"CertificateUpload {{ Name = {Name}, {CertificateFile.Length} bytes }}";
}

/// <summary>The field names certificate validation messages are keyed by (the admin center and the API show them next to these).</summary>
public static class CertificateFields
{
    public const string Name = nameof(TlsCertificate.Name);
    public const string CertificateFile = nameof(CertificateUpload.CertificateFile);
    public const string PrivateKeyFile = nameof(CertificateUpload.PrivateKeyFile);
    public const string Password = nameof(CertificateUpload.Password);
    public const string Fqdn = "Fqdn";
    public const string ValidityDays = "ValidityDays";
    public const string UsedBy = "UsedBy";
}
