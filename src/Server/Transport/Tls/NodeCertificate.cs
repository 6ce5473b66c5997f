using System.Security.Cryptography.X509Certificates;
using Mailflow.Configuration;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Tls;

/// <summary>
/// The node's default TLS certificate for SMTP (STARTTLS and implicit TLS). Loaded once from
/// <see cref="TlsOptions"/>, or — so every connector can offer TLS out of the box — a self-signed
/// certificate for the node's FQDN, generated at first start and stored under
/// <c>{DataDirectory}/certificates/</c> so restarts present the same one.
/// </summary>
public sealed partial class NodeCertificate(IOptions<MailflowOptions> mailflow, IOptions<TlsOptions> tls, TimeProvider time, ILogger<NodeCertificate> logger)
{
    private readonly Lazy<X509Certificate2> _loaded = new(() => Load(mailflow.Value, tls.Value, time, logger));
    private X509Certificate2? _replacement;

    /// <summary>The certificate new TLS sessions present; sessions already running keep the one they started with.</summary>
    public X509Certificate2 Certificate => Volatile.Read(ref _replacement) ?? _loaded.Value;

    /// <summary>Whether the certificate comes from <see cref="TlsOptions.CertificatePath"/> (not the generated self-signed one).</summary>
    public bool IsConfigured => !string.IsNullOrWhiteSpace(tls.Value.CertificatePath);

    /// <summary>
    /// Generates a fresh self-signed certificate, replaces the stored file and presents it to new TLS sessions
    /// at once. Refused while a configured certificate is in use: that one belongs to the admin's files.
    /// </summary>
    public X509Certificate2 RegenerateSelfSigned()
    {
        if (IsConfigured)
            throw new InvalidOperationException("This node uses the certificate configured in Mailflow:Tls:CertificatePath; replace that file instead.");
        var options = mailflow.Value;
        var path = SelfSignedPath(options);
        StoreSelfSigned(GenerateSelfSigned(options.ResolvedFqdn, time.GetUtcNow()), path);
        Log.GeneratedCertificate(logger, options.ResolvedFqdn, path);
        var fresh = X509CertificateLoader.LoadPkcs12FromFile(path, password: null, X509KeyStorageFlags.Exportable);
        Volatile.Write(ref _replacement, fresh);
        return fresh;
    }

    private static void StoreSelfSigned(X509Certificate2 generated, string path)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var temporary = path + ".tmp";
        File.WriteAllBytes(temporary, generated.Export(X509ContentType.Pfx));
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(temporary, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        // Rename is atomic: a crash never leaves a half-written certificate (rename(2)).
        File.Move(temporary, path, overwrite: true);
    }

    public static string SelfSignedPath(MailflowOptions options) =>
        Path.Combine(options.ResolvedDataDirectory, "certificates", "self-signed.pfx");

    private static X509Certificate2 Load(MailflowOptions options, TlsOptions tls, TimeProvider time, ILogger logger)
    {
        if (!string.IsNullOrWhiteSpace(tls.CertificatePath))
        {
            var certificate = LoadConfigured(tls);
            Log.ConfiguredCertificate(logger, certificate.Subject, certificate.NotAfter);
            return certificate;
        }
        var path = SelfSignedPath(options);
        if (File.Exists(path))
        {
            var stored = X509CertificateLoader.LoadPkcs12FromFile(path, password: null, X509KeyStorageFlags.Exportable);
            if (stored.NotAfter > time.GetLocalNow().DateTime.AddDays(7))
                return stored;
        }
        StoreSelfSigned(GenerateSelfSigned(options.ResolvedFqdn, time.GetUtcNow()), path);
        Log.GeneratedCertificate(logger, options.ResolvedFqdn, path);
        return X509CertificateLoader.LoadPkcs12FromFile(path, password: null, X509KeyStorageFlags.Exportable);
    }

    private static X509Certificate2 LoadConfigured(TlsOptions tls)
    {
        var password = string.IsNullOrEmpty(tls.Password) ? null : tls.Password;
        var extension = Path.GetExtension(tls.CertificatePath).ToLowerInvariant();
        if (extension is ".pfx" or ".p12")
            return X509CertificateLoader.LoadPkcs12FromFile(tls.CertificatePath, password, X509KeyStorageFlags.Exportable);
        var keyPath = string.IsNullOrWhiteSpace(tls.KeyPath) ? null : tls.KeyPath;
        var pem = password is null
            ? X509Certificate2.CreateFromPemFile(tls.CertificatePath, keyPath)
            : X509Certificate2.CreateFromEncryptedPemFile(tls.CertificatePath, password, keyPath);
        // SslStream on Linux needs the key in a form it can export to OpenSSL: re-import as PKCS#12.
        return X509CertificateLoader.LoadPkcs12(pem.Export(X509ContentType.Pfx), password: null, X509KeyStorageFlags.Exportable);
    }

    /// <summary>An RSA-2048 server certificate for <paramref name="fqdn"/>, valid for two years.</summary>
    public static X509Certificate2 GenerateSelfSigned(string fqdn, DateTimeOffset now) =>
        SelfSignedCertificates.Create(fqdn, now, now.AddYears(2) - now);

    private static partial class Log
    {
        [LoggerMessage(1900, LogLevel.Information, "SMTP TLS uses the configured certificate {Subject}, valid until {NotAfter}")]
        public static partial void ConfiguredCertificate(ILogger logger, string subject, DateTime notAfter);

        [LoggerMessage(1901, LogLevel.Information, "Generated a self-signed SMTP certificate for {Fqdn} at {Path}; configure Mailflow:Tls:CertificatePath for a trusted one")]
        public static partial void GeneratedCertificate(ILogger logger, string fqdn, string path);
    }
}
