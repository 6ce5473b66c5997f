using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Mailflow.Configuration;

/// <summary>
/// Reads an uploaded certificate into a certificate with its private key plus its chain, or says
/// in plain words why it cannot: not a certificate file, a password that does not open it, no
/// private key, a key of another certificate. PEM (RFC 7468) may hold the certificate, the chain
/// and the key in one file or the key apart; PKCS#12 (RFC 7292) holds everything.
/// </summary>
public static class TlsCertificateReader
{
    public const string NotACertificate = "The file is not a PEM or PFX certificate.";
    public const string WrongPfxPassword = "The password does not open this PFX.";
    public const string PfxNeedsPassword = "This PFX is protected by a password: enter it.";
    public const string NoPrivateKey = "The certificate has no private key; Mailflow needs it to offer TLS. Add the key file, or upload a PFX that contains the key.";
    public const string KeyMismatch = "The private key does not match the certificate.";
    public const string EncryptedKeyNeedsPassword = "The private key is encrypted: enter its password.";
    public const string WrongKeyPassword = "The password does not open this private key.";

    /// <summary>The certificate with its key first, then the chain in upload order; null with messages in <paramref name="errors"/> when the upload is unusable.</summary>
    public static X509Certificate2Collection? Read(CertificateUpload upload, ValidationErrors errors)
    {
        if (upload.CertificateFile.Length == 0)
        {
            errors.Add(CertificateFields.CertificateFile, "Choose a certificate file (.pem, .crt, .pfx or .p12).");
            return null;
        }
        if (LooksLikePem(upload.CertificateFile))
            return ReadPem(upload, errors);
        if (upload.PrivateKeyFile is { Length: > 0 })
        {
            errors.Add(CertificateFields.PrivateKeyFile, "A PFX carries its own private key: leave the key file empty.");
            return null;
        }
        return ReadPfx(upload.CertificateFile, upload.Password, errors);
    }

    /// <summary>The certificate with a private key first (the one a server presents), the rest after it in their order.</summary>
    public static X509Certificate2Collection OrderLeafFirst(X509Certificate2Collection certificates)
    {
        var leaf = certificates.Cast<X509Certificate2>().Where(c => c.HasPrivateKey).OrderBy(IsCertificateAuthority).FirstOrDefault();
        var ordered = new X509Certificate2Collection();
        if (leaf is not null)
            ordered.Add(leaf);
        foreach (var certificate in certificates)
            if (!ReferenceEquals(certificate, leaf))
                ordered.Add(certificate);
        return ordered;
    }

    private static bool IsCertificateAuthority(X509Certificate2 certificate) =>
        certificate.Extensions.OfType<X509BasicConstraintsExtension>().Any(b => b.CertificateAuthority);

    private static bool LooksLikePem(byte[] data) =>
        data.AsSpan().IndexOf("-----BEGIN "u8) >= 0;

    // ---- PKCS#12 ----------------------------------------------------------------------------

    private static X509Certificate2Collection? ReadPfx(byte[] data, string? password, ValidationErrors errors)
    {
        X509ContentType type;
        try
        {
            type = X509Certificate2.GetCertContentType(data);
        }
        catch (CryptographicException)
        {
            type = X509ContentType.Unknown;
        }
        if (type == X509ContentType.Cert)
        {
            // A DER certificate on its own: readable, but useless to a server without the key.
            errors.Add(CertificateFields.CertificateFile, NoPrivateKey);
            return null;
        }
        if (type != X509ContentType.Pkcs12)
        {
            errors.Add(CertificateFields.CertificateFile, NotACertificate);
            return null;
        }

        X509Certificate2Collection? loaded = null;
        // A PFX "without password" is sealed with an empty one by some tools and with none by others (RFC 7292 §B.1).
        foreach (var attempt in string.IsNullOrEmpty(password) ? new[] { null, "" } : [password])
        {
            try
            {
                loaded = X509CertificateLoader.LoadPkcs12Collection(data, attempt, X509KeyStorageFlags.Exportable);
                break;
            }
            catch (CryptographicException)
            {
                // Wrong password (MAC check) or damaged content; the message below covers both for a person.
            }
        }
        if (loaded is null)
        {
            errors.Add(CertificateFields.Password, string.IsNullOrEmpty(password) ? PfxNeedsPassword : WrongPfxPassword);
            return null;
        }
        if (loaded.Count == 0)
        {
            errors.Add(CertificateFields.CertificateFile, NotACertificate);
            return null;
        }
        if (!loaded.Cast<X509Certificate2>().Any(c => c.HasPrivateKey))
        {
            errors.Add(CertificateFields.CertificateFile, NoPrivateKey);
            return null;
        }
        return OrderLeafFirst(loaded);
    }

    // ---- PEM --------------------------------------------------------------------------------

    private sealed record PemSection(string Label, byte[] Data);

    private static X509Certificate2Collection? ReadPem(CertificateUpload upload, ValidationErrors errors)
    {
        var certificateText = Encoding.UTF8.GetString(upload.CertificateFile);
        var sections = Sections(certificateText);
        var certificates = new List<X509Certificate2>();
        foreach (var section in sections.Where(s => s.Label is "CERTIFICATE" or "X509 CERTIFICATE" or "TRUSTED CERTIFICATE"))
        {
            try
            {
                certificates.Add(X509CertificateLoader.LoadCertificate(section.Data));
            }
            catch (CryptographicException)
            {
                errors.Add(CertificateFields.CertificateFile, "A certificate in the file is damaged; export it again.");
                return null;
            }
        }
        if (certificates.Count == 0)
        {
            errors.Add(CertificateFields.CertificateFile, NotACertificate);
            return null;
        }

        // The key: in the certificate file, or in the key file when the admin gave one.
        var keyField = CertificateFields.CertificateFile;
        var keyText = certificateText;
        var keySections = sections.Where(IsKey).ToList();
        if (upload.PrivateKeyFile is { Length: > 0 } keyFile)
        {
            keyField = CertificateFields.PrivateKeyFile;
            keyText = Encoding.UTF8.GetString(keyFile);
            keySections = [.. Sections(keyText).Where(IsKey)];
            if (keySections.Count == 0 && !IsLegacyEncrypted(keyText))
            {
                errors.Add(CertificateFields.PrivateKeyFile, "The key file holds no PEM private key (-----BEGIN PRIVATE KEY-----).");
                return null;
            }
        }
        if (keySections.Count == 0)
        {
            if (IsLegacyEncrypted(keyText))
                errors.Add(keyField, "The private key uses OpenSSL's legacy encryption, which Mailflow cannot read. Convert it with: openssl pkcs8 -topk8 -in key.pem -out key-pkcs8.pem");
            else
                errors.Add(keyField, NoPrivateKey);
            return null;
        }

        using var key = ImportKey(keySections[0], upload.Password, keyField, errors);
        if (key is null)
            return null;
        foreach (var candidate in certificates)
        {
            var withKey = TryCombine(candidate, key);
            if (withKey is null)
                continue;
            var result = new X509Certificate2Collection(withKey);
            foreach (var other in certificates.Where(c => !ReferenceEquals(c, candidate)))
                result.Add(other);
            return result;
        }
        errors.Add(keyField, KeyMismatch);
        return null;
    }

    private static bool IsKey(PemSection section) =>
        section.Label is "PRIVATE KEY" or "RSA PRIVATE KEY" or "EC PRIVATE KEY" or "ENCRYPTED PRIVATE KEY";

    /// <summary>OpenSSL's pre-PKCS#8 encryption ("Proc-Type: 4,ENCRYPTED" headers), which RFC 7468 parsers reject.</summary>
    private static bool IsLegacyEncrypted(string text) => text.Contains("Proc-Type: 4,ENCRYPTED", StringComparison.Ordinal);

    private static List<PemSection> Sections(string text)
    {
        var sections = new List<PemSection>();
        var remaining = text.AsSpan();
        while (PemEncoding.TryFind(remaining, out var fields))
        {
            var label = remaining[fields.Label].ToString();
            var data = new byte[fields.DecodedDataLength];
            if (Convert.TryFromBase64Chars(remaining[fields.Base64Data], data, out var written))
                sections.Add(new PemSection(label, data[..written]));
            remaining = remaining[fields.Location.End..];
        }
        return sections;
    }

    private static AsymmetricAlgorithm? ImportKey(PemSection section, string? password, string field, ValidationErrors errors)
    {
        if (section.Label == "ENCRYPTED PRIVATE KEY")
        {
            if (string.IsNullOrEmpty(password))
            {
                errors.Add(CertificateFields.Password, EncryptedKeyNeedsPassword);
                return null;
            }
            var key = TryImport(section.Data, (rsa, data) => rsa.ImportEncryptedPkcs8PrivateKey(password, data, out _),
                (ec, data) => ec.ImportEncryptedPkcs8PrivateKey(password, data, out _));
            if (key is null)
                errors.Add(CertificateFields.Password, WrongKeyPassword);
            return key;
        }
        var plain = section.Label switch
        {
            "RSA PRIVATE KEY" => TryImport(section.Data, (rsa, data) => rsa.ImportRSAPrivateKey(data, out _), null),
            "EC PRIVATE KEY" => TryImport(section.Data, null, (ec, data) => ec.ImportECPrivateKey(data, out _)),
            _ => TryImport(section.Data, (rsa, data) => rsa.ImportPkcs8PrivateKey(data, out _), (ec, data) => ec.ImportPkcs8PrivateKey(data, out _)),
        };
        if (plain is null)
            errors.Add(field, "The private key could not be read. Mailflow reads RSA and ECDSA keys in PEM (PKCS#8, PKCS#1 or SEC 1).");
        return plain;
    }

    private static AsymmetricAlgorithm? TryImport(byte[] data, Action<RSA, byte[]>? asRsa, Action<ECDsa, byte[]>? asEc)
    {
        if (asRsa is not null)
        {
            var rsa = RSA.Create();
            try
            {
                asRsa(rsa, data);
                return rsa;
            }
            catch (CryptographicException)
            {
                rsa.Dispose();
            }
        }
        if (asEc is not null)
        {
            var ec = ECDsa.Create();
            try
            {
                asEc(ec, data);
                return ec;
            }
            catch (CryptographicException)
            {
                ec.Dispose();
            }
        }
        return null;
    }

    private static X509Certificate2? TryCombine(X509Certificate2 certificate, AsymmetricAlgorithm key)
    {
        try
        {
            return key switch
            {
                RSA rsa when HasRsaKey(certificate) => certificate.CopyWithPrivateKey(rsa),
                ECDsa ec when HasEcKey(certificate) => certificate.CopyWithPrivateKey(ec),
                _ => null,
            };
        }
        catch (Exception ex) when (ex is ArgumentException or CryptographicException)
        {
            // "The provided key does not match the public key for this certificate."
            return null;
        }
    }

    private static bool HasRsaKey(X509Certificate2 certificate)
    {
        using var key = certificate.GetRSAPublicKey();
        return key is not null;
    }

    private static bool HasEcKey(X509Certificate2 certificate)
    {
        using var key = certificate.GetECDsaPublicKey();
        return key is not null;
    }
}
