using System.Security.Claims;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>A DKIM signing key as the API shows it: the record to publish, never the private key.</summary>
/// <param name="Lifecycle">Disabled, Pending (signs once DNS serves it), Active, Retiring (keep the record published), Retired (the record may go).</param>
public sealed record DkimKeyResource(
    Guid Id, string Domain, string Selector, DkimKeyAlgorithm Algorithm, bool Enabled, DkimKeyLifecycle Lifecycle,
    string DnsRecordName, string DnsRecordValue, DateTimeOffset CreatedAt, DateTimeOffset? ActivatedAt, DateTimeOffset? DnsVerifiedAt,
    DateTimeOffset? RetiringSince, DateTimeOffset? RetiredAt, Guid? ReplacesKeyId, int? RotateEveryDays, int Revision)
{
    public static DkimKeyResource From(DkimSigningKey k) =>
        new(k.Id, k.Domain, k.Selector, k.Algorithm, k.Enabled, k.Lifecycle, k.DnsRecordName, k.DnsRecordValue, k.CreatedAt, k.ActivatedAt,
            k.DnsVerifiedAt, k.RetiringSince, k.RetiredAt, k.ReplacesKeyId, k.RotateEveryDays, k.Revision);
}

/// <summary>An existing private key to sign with (PEM: PKCS#8 or PKCS#1 RSA, or Ed25519). It is never shown again.</summary>
public sealed record DkimKeyImportRequest(string Domain, string Selector, string PrivateKeyPem, bool Enabled = false);

/// <summary>Start a rotation of the domain's signing keys.</summary>
public sealed record DkimRotationRequest(string Domain);

/// <summary>Rotate automatically every N days (null: only by hand).</summary>
public sealed record DkimScheduleRequest(int? RotateEveryDays);

/// <summary>A key to generate. Publish the TXT record it returns, then enable it.</summary>
public sealed record DkimKeyRequest(string Domain, string Selector, DkimKeyAlgorithm Algorithm = DkimKeyAlgorithm.Rsa2048, bool Enabled = false);

/// <summary>/api/v1/dkim-keys: DKIM signing keys per accepted domain (generate, list, enable, disable, delete).</summary>
public static class DkimKeysApi
{
    private const string Missing = "There is no DKIM key with that id.";

    public static RouteGroupBuilder MapDkimKeysApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/dkim-keys").WithTags("DKIM signing keys");

        group.MapGet("/", async (DkimKeyService keys, CancellationToken ct) => (await keys.ListAsync(ct)).Select(DkimKeyResource.From).ToList())
            .WithName("ListDkimKeys").WithSummary("List DKIM signing keys with the TXT record each needs");

        group.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, DkimKeyService keys, CancellationToken ct) =>
                await keys.GetAsync(id, ct) is { } key
                    ? TypedResults.Ok(http.WithETag(DkimKeyResource.From(key), key.Revision))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("GetDkimKey").WithSummary("Get one DKIM key (ETag = revision)")
            .Produces<DkimKeyResource>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/", async (DkimKeyRequest input, HttpContext http, ClaimsPrincipal user, DkimKeyService keys, CancellationToken ct) =>
            {
                var key = await keys.GenerateAsync(AdminActor.FromPrincipal(user), input.Domain, input.Selector, input.Algorithm, input.Enabled, ct);
                return TypedResults.Created($"/api/v1/dkim-keys/{key.Id}", http.WithETag(DkimKeyResource.From(key), key.Revision));
            })
            .WithName("GenerateDkimKey")
            .WithSummary("Generate a key pair (Rsa2048 or Ed25519) for an accepted domain under a selector; the answer holds the TXT record to publish. Organization Management only")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/import", async (DkimKeyImportRequest input, HttpContext http, ClaimsPrincipal user, DkimKeyService keys, CancellationToken ct) =>
            {
                var key = await keys.ImportAsync(AdminActor.FromPrincipal(user), input.Domain, input.Selector, input.PrivateKeyPem, input.Enabled, ct);
                return TypedResults.Created($"/api/v1/dkim-keys/{key.Id}", http.WithETag(DkimKeyResource.From(key), key.Revision));
            })
            .WithName("ImportDkimKey")
            .WithSummary("Import an existing private key (PEM) under a selector; the answer holds the TXT record it needs. Organization Management only")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/rotate", async (DkimRotationRequest input, ClaimsPrincipal user, DkimKeyRotation rotation, CancellationToken ct) =>
                (await rotation.StartAsync(AdminActor.FromPrincipal(user), input.Domain, ct)).Select(DkimKeyResource.From).ToList())
            .WithName("RotateDkimKeys")
            .WithSummary("Start a rotation: a pending key under a new selector per signing key of the domain. Publish their records; each signs once DNS serves it, and the old key retires after the overlap")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/{id:guid}/check-dns", async Task<IResult> (Guid id, DkimKeyService keys, IDkimDnsCheck dns, CancellationToken ct) =>
                await keys.GetAsync(id, ct) is { } key
                    ? TypedResults.Ok(await dns.CheckAsync(key, ct))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("CheckDkimKeyDns").WithSummary("Ask DNS whether it serves this key's record exactly (published, missing, mismatch, dnsError)")
            .Produces<DkimDnsCheckResult>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPut("/{id:guid}/schedule", async Task<IResult> (Guid id, DkimScheduleRequest input, ClaimsPrincipal user, DkimKeyService keys, CancellationToken ct) =>
            {
                if (await keys.GetAsync(id, ct) is not { } key)
                    return ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing);
                return TypedResults.Ok(DkimKeyResource.From(await keys.SetRotationScheduleAsync(AdminActor.FromPrincipal(user), id, key.Revision, input.RotateEveryDays, ct)));
            })
            .WithName("ScheduleDkimKeyRotation").WithSummary("Rotate this key automatically every N days after it began to sign (null: only by hand)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/{id:guid}/retire", async Task<IResult> (Guid id, ClaimsPrincipal user, DkimKeyService keys, DkimKeyRotation rotation, CancellationToken ct) =>
            {
                if (await keys.GetAsync(id, ct) is not { } key)
                    return ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing);
                await rotation.RetireAsync(AdminActor.FromPrincipal(user), id, key.Revision, ct);
                return TypedResults.Ok(DkimKeyResource.From((await keys.GetAsync(id, ct))!));
            })
            .WithName("RetireDkimKey").WithSummary("Retire a key that no longer signs before its overlap ends (its private key is erased)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/{id:guid}/enable", (Guid id, ClaimsPrincipal user, DkimKeyService keys, CancellationToken ct) => SetEnabledAsync(id, true, user, keys, ct))
            .WithName("EnableDkimKey").WithSummary("Sign outbound mail with this key (publish its TXT record first)");
        group.MapPost("/{id:guid}/disable", (Guid id, ClaimsPrincipal user, DkimKeyService keys, CancellationToken ct) => SetEnabledAsync(id, false, user, keys, ct))
            .WithName("DisableDkimKey").WithSummary("Stop signing with this key (keep its TXT record published until mail signed with it is delivered)");

        group.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, DkimKeyService keys, CancellationToken ct) =>
            {
                await keys.DeleteAsync(AdminActor.FromPrincipal(user), id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteDkimKey").WithSummary("Delete a DKIM key (its private key is gone for good)");
        return api;
    }

    private static async Task<IResult> SetEnabledAsync(Guid id, bool enabled, ClaimsPrincipal user, DkimKeyService keys, CancellationToken ct)
    {
        if (await keys.GetAsync(id, ct) is not { } key)
            return ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing);
        var saved = await keys.SetEnabledAsync(AdminActor.FromPrincipal(user), id, key.Revision, enabled, ct);
        return TypedResults.Ok(DkimKeyResource.From(saved));
    }
}
