using System.Security.Cryptography.X509Certificates;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>
/// Stored TLS certificates that receive connectors present: import from PEM or PFX, generate a
/// self-signed one, rename, delete (refused while a connector uses it). Every change goes through
/// <see cref="ConfigurationEditor"/> (one generation, audited by name and thumbprint only), so the
/// engine loads the new set with the next snapshot. Expired certificates are refused; one with
/// fewer than 30 days left is stored with a warning (<see cref="CertificateExpiryRules.Warning"/>).
/// </summary>
public sealed class TlsCertificateService(
    IDbContextFactory<MailflowDbContext> dbFactory,
    ConfigurationEditor editor,
    TlsCertificateProtector protector,
    TimeProvider time)
{
    private const string Noun = "TLS certificate";

    /// <summary>Validity an admin may choose for a generated certificate: a day to ten years.</summary>
    public const int MaxValidityDays = 3650;

    public async Task<IReadOnlyList<TlsCertificate>> ListAsync(CancellationToken cancellationToken = default) =>
        [.. (await editor.ListAsync<TlsCertificate>(cancellationToken)).OrderBy(c => c.Name, StringComparer.OrdinalIgnoreCase)];

    public Task<TlsCertificate?> GetAsync(Guid id, CancellationToken cancellationToken = default) =>
        editor.GetAsync<TlsCertificate>(id, cancellationToken);

    /// <summary>The receive connectors that present each stored certificate, by certificate id.</summary>
    public async Task<IReadOnlyDictionary<Guid, IReadOnlyList<string>>> UsageAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var assigned = await db.ReceiveConnectors.AsNoTracking()
            .Where(c => c.CertificateId != null)
            .Select(c => new { c.Name, c.CertificateId })
            .ToListAsync(cancellationToken);
        return assigned
            .GroupBy(c => c.CertificateId!.Value)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<string>)[.. g.Select(c => c.Name).Order(StringComparer.OrdinalIgnoreCase)]);
    }

    /// <exception cref="ConfigurationValidationException">The upload is not a usable certificate (messages per field), or the name or certificate is taken.</exception>
    public Task<TlsCertificate> ImportAsync(AdminActor actor, CertificateUpload upload, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        var errors = new ValidationErrors();
        ValidateNameField(upload.Name, errors, optional: true);
        using var certificates = new DisposableCollection(TlsCertificateReader.Read(upload, errors));
        if (certificates.Value is { Count: > 0 } read)
        {
            var leaf = read[0];
            var notAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime());
            if (CertificateExpiryRules.Classify(notAfter, time.GetUtcNow()) == CertificateExpiry.Expired)
                errors.Add(CertificateFields.CertificateFile, $"The certificate expired on {notAfter:yyyy-MM-dd}. Mailflow does not store expired certificates: import a renewed one.");
        }
        errors.ThrowIfAny();
        var certificate = Describe(certificates.Value!, upload.Name);
        return editor.CreateAsync(actor, Noun, certificate, ValidateAsync, cancellationToken);
    }

    /// <param name="name">Empty = the FQDN.</param>
    public Task<TlsCertificate> GenerateSelfSignedAsync(AdminActor actor, string name, string fqdn, int validityDays, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        var errors = new ValidationErrors();
        ValidateNameField(name, errors, optional: true);
        if (!DomainNameRules.TryNormalize(fqdn, out var normalized, out var fqdnError))
            errors.Add(CertificateFields.Fqdn, fqdnError!);
        if (validityDays is < 1 or > MaxValidityDays)
            errors.Add(CertificateFields.ValidityDays, $"Choose a validity between 1 and {MaxValidityDays} days.");
        errors.ThrowIfAny();
        using var generated = SelfSignedCertificates.Create(normalized, time.GetUtcNow(), TimeSpan.FromDays(validityDays));
        var certificate = Describe(new X509Certificate2Collection(generated), string.IsNullOrWhiteSpace(name) ? normalized : name);
        return editor.CreateAsync(actor, Noun, certificate, ValidateAsync, cancellationToken);
    }

    /// <param name="revisionRead">The revision the admin's edit started from.</param>
    public Task<TlsCertificate> RenameAsync(AdminActor actor, Guid id, int revisionRead, string name, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        var errors = new ValidationErrors();
        ValidateNameField(name, errors, optional: false);
        errors.ThrowIfAny();
        return editor.UpdateAsync<TlsCertificate>(actor, Noun, id, revisionRead, c => c.Name = name.Trim(), ValidateAsync, cancellationToken);
    }

    /// <exception cref="ConfigurationValidationException">A receive connector still presents it.</exception>
    public Task DeleteAsync(AdminActor actor, Guid id, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        return editor.DeleteAsync<TlsCertificate>(actor, Noun, id, async (db, certificate, errors, ct) =>
        {
            var users = await db.ReceiveConnectors.AsNoTracking()
                .Where(c => c.CertificateId == certificate.Id)
                .Select(c => c.Name)
                .ToListAsync(ct);
            if (users.Count > 0)
                errors.Add(CertificateFields.UsedBy,
                    $"{certificate.Name} is presented by receive connector{(users.Count > 1 ? "s" : "")} {string.Join(", ", users.Order(StringComparer.OrdinalIgnoreCase).Select(u => $"'{u}'"))}. " +
                    "Choose another certificate (or the node default) for them first.");
        }, cascade: null, cancellationToken);
    }

    private static void ValidateNameField(string? name, ValidationErrors errors, bool optional)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            if (!optional)
                errors.Add(CertificateFields.Name, "Give the certificate a name.");
        }
        else if (name.Trim().Length > 128)
        {
            errors.Add(CertificateFields.Name, "The name may have at most 128 characters.");
        }
    }

    private static async Task ValidateAsync(MailflowDbContext db, TlsCertificate c, ValidationErrors errors, CancellationToken cancellationToken)
    {
        c.Name = c.Name.Trim();
        var others = await db.TlsCertificates.AsNoTracking()
            .Where(o => o.Id != c.Id)
            .Select(o => new { o.Name, o.Thumbprint })
            .ToListAsync(cancellationToken);
        if (others.Any(o => string.Equals(o.Name, c.Name, StringComparison.OrdinalIgnoreCase)))
            errors.Add(CertificateFields.Name, $"There is already a certificate named '{c.Name}'.");
        if (others.FirstOrDefault(o => o.Thumbprint == c.Thumbprint) is { } same)
            errors.Add(CertificateFields.CertificateFile, $"This certificate is already stored as '{same.Name}'.");
    }

    /// <summary>The entity for a certificate with its key (first) and chain: descriptive fields from the leaf, everything sealed in the protected PKCS#12.</summary>
    private TlsCertificate Describe(X509Certificate2Collection certificates, string name)
    {
        var leaf = certificates[0];
        var pkcs12 = certificates.Export(X509ContentType.Pkcs12)!;
        try
        {
            return new TlsCertificate
            {
                Name = string.IsNullOrWhiteSpace(name) ? DefaultName(leaf) : name.Trim(),
                Subject = leaf.Subject,
                Issuer = leaf.Issuer,
                Thumbprint = leaf.Thumbprint,
                DnsNames = [.. leaf.Extensions.OfType<X509SubjectAlternativeNameExtension>().SelectMany(e => e.EnumerateDnsNames())],
                NotBefore = new DateTimeOffset(leaf.NotBefore.ToUniversalTime()),
                NotAfter = new DateTimeOffset(leaf.NotAfter.ToUniversalTime()),
                HasPrivateKey = leaf.HasPrivateKey,
                SelfSigned = leaf.SubjectName.RawData.AsSpan().SequenceEqual(leaf.IssuerName.RawData),
                ChainLength = certificates.Count - 1,
                ProtectedPkcs12 = protector.Protect(pkcs12),
                ImportedAt = time.GetUtcNow(),
            };
        }
        finally
        {
            Array.Clear(pkcs12);
        }
    }

    private static string DefaultName(X509Certificate2 leaf)
    {
        var commonName = leaf.GetNameInfo(X509NameType.SimpleName, forIssuer: false);
        return string.IsNullOrWhiteSpace(commonName) ? leaf.Thumbprint[..16] : commonName[..Math.Min(commonName.Length, 128)];
    }

    /// <summary>Disposes every certificate of an upload once it is stored: their keys must not linger.</summary>
    private readonly struct DisposableCollection(X509Certificate2Collection? value) : IDisposable
    {
        public X509Certificate2Collection? Value { get; } = value;

        public void Dispose()
        {
            if (Value is null)
                return;
            foreach (var certificate in Value)
                certificate.Dispose();
        }
    }
}
