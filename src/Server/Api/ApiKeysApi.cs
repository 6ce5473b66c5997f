using System.Security.Claims;
using Mailflow.Configuration;
using Mailflow.Identity;
using Mailflow.Server.Api.Authentication;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/api-keys: create (the key is returned once), list and revoke API keys. Organization Management only.</summary>
public static class ApiKeysApi
{
    public sealed record ApiKeyResource(Guid Id, string Name, string Role, string Prefix, string CreatedBy, DateTimeOffset CreatedAt, DateTimeOffset? LastUsedAt, DateTimeOffset? RevokedAt)
    {
        public static ApiKeyResource From(ApiKey k) => new(k.Id, k.Name, k.Role, k.Prefix, k.CreatedBy, k.CreatedAt, k.LastUsedAt, k.RevokedAt);
    }

    public sealed record CreateRequest(string Name, string Role);

    /// <param name="Key">The secret. Shown only in this response: store it now.</param>
    public sealed record CreatedResource(ApiKeyResource ApiKey, string Key);

    public static RouteGroupBuilder MapApiKeysApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/api-keys").WithTags("API keys").RequireAuthorization(ApiAuthentication.OrganizationManagementPolicy);

        group.MapGet("/", async (ClaimsPrincipal user, ApiKeyService keys, CancellationToken ct) =>
                (await keys.ListAsync(AdminActor.FromPrincipal(user), ct)).Select(ApiKeyResource.From).ToList())
            .WithName("ListApiKeys").WithSummary("List API keys (never their secrets)");

        group.MapPost("/", async (CreateRequest request, ClaimsPrincipal user, ApiKeyService keys, CancellationToken ct) =>
            {
                var created = await keys.CreateAsync(AdminActor.FromPrincipal(user), request.Name ?? "", request.Role ?? "", ct);
                return TypedResults.Created($"/api/v1/api-keys/{created.Key.Id}", new CreatedResource(ApiKeyResource.From(created.Key), created.Secret));
            })
            .WithName("CreateApiKey").WithSummary("Create an API key bound to a role; the key is in this response only")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, ApiKeyService keys, CancellationToken ct) =>
                ApiKeyResource.From(await keys.RevokeAsync(AdminActor.FromPrincipal(user), id, ct)))
            .WithName("RevokeApiKey").WithSummary("Revoke an API key: it stops working at once")
            .ProducesProblem(StatusCodes.Status404NotFound);

        return api;
    }
}
