using System.Security.Claims;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>A DKIM signing key as the API shows it: the record to publish, never the private key.</summary>
public sealed record DkimKeyResource(
    Guid Id, string Domain, string Selector, DkimKeyAlgorithm Algorithm, bool Enabled,
    string DnsRecordName, string DnsRecordValue, DateTimeOffset CreatedAt, int Revision)
{
    public static DkimKeyResource From(DkimSigningKey k) =>
        new(k.Id, k.Domain, k.Selector, k.Algorithm, k.Enabled, k.DnsRecordName, k.DnsRecordValue, k.CreatedAt, k.Revision);
}

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
