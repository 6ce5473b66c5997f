using System.Security.Claims;
using System.Text;
using Mailflow.Cluster;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>A stored TLS certificate as the API shows it: what an admin needs to judge and assign it, never key material.</summary>
public sealed record CertificateResource(
    Guid Id,
    string Name,
    string Subject,
    string Issuer,
    string Thumbprint,
    IReadOnlyList<string> DnsNames,
    DateTimeOffset NotBefore,
    DateTimeOffset NotAfter,
    bool HasPrivateKey,
    bool SelfSigned,
    int ChainLength,
    DateTimeOffset ImportedAt,
    CertificateExpiry Expiry,
    string? Warning,
    IReadOnlyList<string> UsedBy,
    int Revision)
{
    public static CertificateResource From(TlsCertificate c, IReadOnlyList<string> usedBy, DateTimeOffset now) => new(
        c.Id, c.Name, c.Subject, c.Issuer, c.Thumbprint, c.DnsNames, c.NotBefore, c.NotAfter, c.HasPrivateKey, c.SelfSigned,
        c.ChainLength, c.ImportedAt, c.ExpiryAt(now), CertificateExpiryRules.Warning(c.Name, c.NotAfter, now), usedBy, c.Revision);
}

/// <summary>
/// An upload: <see cref="Pem"/> (certificate, optionally its chain and key) with an optional
/// <see cref="PrivateKeyPem"/>, or <see cref="Pfx"/> (base64 PKCS#12). <see cref="Password"/> opens
/// the PFX or an encrypted key; it is used once, never stored.
/// </summary>
public sealed record CertificateUploadRequest(string? Name, string? Pem, string? PrivateKeyPem, byte[]? Pfx, string? Password);

/// <summary>A self-signed certificate to generate. <see cref="Name"/> empty = the FQDN.</summary>
public sealed record SelfSignedCertificateRequest(string? Name, string Fqdn, int ValidityDays = 365);

/// <summary>A new name for a stored certificate.</summary>
public sealed record CertificateRenameRequest(string Name);

/// <summary>
/// /api/v1/certificates: the TLS certificates receive connectors present — stored ones (list, get,
/// upload PEM or PFX, generate self-signed, rename, delete) and the node's default certificate.
/// </summary>
public static class CertificatesApi
{
    private const string Missing = "There is no stored certificate with that id.";

    public static RouteGroupBuilder MapCertificatesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/certificates").WithTags("Certificates");

        group.MapGet("/", async (TlsCertificateService certificates, TimeProvider time, CancellationToken ct) =>
            {
                var usage = await certificates.UsageAsync(ct);
                var now = time.GetUtcNow();
                return (await certificates.ListAsync(ct)).Select(c => CertificateResource.From(c, usage.GetValueOrDefault(c.Id, []), now)).ToList();
            })
            .WithName("ListCertificates")
            .WithSummary("List stored TLS certificates: subject, names, issuer, expiry (with a warning when fewer than 30 days are left) and the receive connectors presenting each");

        group.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, TlsCertificateService certificates, TimeProvider time, CancellationToken ct) =>
                await certificates.GetAsync(id, ct) is { } certificate
                    ? TypedResults.Ok(http.WithETag(CertificateResource.From(certificate, (await certificates.UsageAsync(ct)).GetValueOrDefault(id, []), time.GetUtcNow()), certificate.Revision))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("GetCertificate").WithSummary("Get one stored certificate (ETag = revision)")
            .Produces<CertificateResource>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/", async (CertificateUploadRequest input, HttpContext http, ClaimsPrincipal user, TlsCertificateService certificates, TimeProvider time, CancellationToken ct) =>
            {
                var upload = ToUpload(input);
                var stored = await certificates.ImportAsync(AdminActor.FromPrincipal(user), upload, ct);
                return TypedResults.Created($"/api/v1/certificates/{stored.Id}", http.WithETag(CertificateResource.From(stored, [], time.GetUtcNow()), stored.Revision));
            })
            .WithName("UploadCertificate")
            .WithSummary("Store a certificate with its private key: pem (certificate, chain and key in one text, or the key apart in privateKeyPem) or pfx (base64 PKCS#12) with password. Expired certificates are refused. Organization Management only")
            .Produces<CertificateResource>(StatusCodes.Status201Created)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapPost("/self-signed", async (SelfSignedCertificateRequest input, HttpContext http, ClaimsPrincipal user, TlsCertificateService certificates, TimeProvider time, CancellationToken ct) =>
            {
                var stored = await certificates.GenerateSelfSignedAsync(AdminActor.FromPrincipal(user), input.Name ?? "", input.Fqdn, input.ValidityDays, ct);
                return TypedResults.Created($"/api/v1/certificates/{stored.Id}", http.WithETag(CertificateResource.From(stored, [], time.GetUtcNow()), stored.Revision));
            })
            .WithName("GenerateSelfSignedCertificate")
            .WithSummary("Generate and store a self-signed certificate for an FQDN (RSA 2048, validity in days). Organization Management only")
            .Produces<CertificateResource>(StatusCodes.Status201Created)
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapPut("/{id:guid}", async (Guid id, CertificateRenameRequest input, HttpContext http, ClaimsPrincipal user, TlsCertificateService certificates, TimeProvider time, CancellationToken ct) =>
            {
                var stored = await certificates.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(Missing);
                var revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var saved = await certificates.RenameAsync(AdminActor.FromPrincipal(user), id, revision, input.Name, ct);
                return TypedResults.Ok(http.WithETag(CertificateResource.From(saved, (await certificates.UsageAsync(ct)).GetValueOrDefault(id, []), time.GetUtcNow()), saved.Revision));
            })
            .WithName("RenameCertificate").WithSummary("Rename a stored certificate (If-Match required); its content never changes")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        group.MapDelete("/{id:guid}", async (Guid id, HttpContext http, ClaimsPrincipal user, TlsCertificateService certificates, CancellationToken ct) =>
            {
                var stored = await certificates.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(Missing);
                Preconditions.RevisionFromIfMatch(http, stored.Revision);
                await certificates.DeleteAsync(AdminActor.FromPrincipal(user), id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteCertificate").WithSummary("Remove a stored certificate (If-Match required); refused (422) while a receive connector presents it")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        group.MapGet("/node", (INodeCertificateStatus certificates) => certificates.Current)
            .WithName("GetNodeCertificate")
            .WithSummary("The node's default certificate, presented by connectors without an assigned one: subject, names, issuer, validity, self-signed or configured");

        group.MapPost("/node/self-signed", IResult (INodeCertificateStatus certificates, HttpContext context) =>
            {
                try
                {
                    return TypedResults.Ok(certificates.GenerateSelfSigned(AdminActor.FromPrincipal(context.User)));
                }
                catch (InvalidOperationException ex)
                {
                    // A certificate configured from a file: that file is the source of truth.
                    return ApiResults.Problem(StatusCodes.Status409Conflict, "Conflict", ex.Message);
                }
            })
            .WithName("RegenerateSelfSignedCertificate")
            .WithSummary("Generate a new self-signed certificate for the node's FQDN; new TLS sessions use it at once. Organization Management only; refused when a certificate is configured from a file")
            .Produces<NodeCertificateSummary>()
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status409Conflict);

        return api;
    }

    private static CertificateUpload ToUpload(CertificateUploadRequest input)
    {
        var hasPem = !string.IsNullOrWhiteSpace(input.Pem);
        var hasPfx = input.Pfx is { Length: > 0 };
        if (hasPem == hasPfx)
            throw new ConfigurationValidationException(new Dictionary<string, string[]>
            {
                [CertificateFields.CertificateFile] = [hasPem ? "Send either pem or pfx, not both." : "Send the certificate as pem (text) or pfx (base64 PKCS#12)."],
            });
        var file = hasPem ? Encoding.UTF8.GetBytes(input.Pem!) : input.Pfx!;
        var key = string.IsNullOrWhiteSpace(input.PrivateKeyPem) ? null : Encoding.UTF8.GetBytes(input.PrivateKeyPem);
        return new CertificateUpload(input.Name ?? "", file, key, input.Password);
    }
}
