using System.Security.Claims;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/address-rewrites: address rewriting entries (internal ↔ external addresses).</summary>
public static class AddressRewritesApi
{
    private const string NotFound = "There is no address rewriting entry with that id.";

    public static RouteGroupBuilder MapAddressRewritesApi(this RouteGroupBuilder api)
    {
        var entries = api.MapGroup("/address-rewrites").WithTags("Address rewriting");

        entries.MapGet("/", (AddressRewriteService service, CancellationToken ct) => service.ListAsync(ct))
            .WithName("ListAddressRewrites").WithSummary("List the address rewriting entries");

        entries.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, AddressRewriteService service, CancellationToken ct) =>
                await service.GetAsync(id, ct) is { } entry
                    ? TypedResults.Ok(http.WithETag(entry, entry.Revision))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", NotFound))
            .WithName("GetAddressRewrite").WithSummary("Get one address rewriting entry (ETag = revision)")
            .Produces<AddressRewriteEntry>().ProducesProblem(StatusCodes.Status404NotFound);

        entries.MapPost("/", async (AddressRewriteEntry input, HttpContext http, ClaimsPrincipal user, AddressRewriteService service, CancellationToken ct) =>
            {
                var created = await service.CreateAsync(AdminActor.FromPrincipal(user), input, ct);
                return TypedResults.Created($"/api/v1/address-rewrites/{created.Id}", http.WithETag(created, created.Revision));
            })
            .WithName("CreateAddressRewrite").WithSummary("Add an address rewriting entry: an address, domain or *.domain and what it becomes outside")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        entries.MapPut("/{id:guid}", async (Guid id, AddressRewriteEntry input, HttpContext http, ClaimsPrincipal user, AddressRewriteService service, CancellationToken ct) =>
            {
                var stored = await service.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(NotFound);
                input.Id = id;
                input.Revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var saved = await service.UpdateAsync(AdminActor.FromPrincipal(user), input, ct);
                return TypedResults.Ok(http.WithETag(saved, saved.Revision));
            })
            .WithName("UpdateAddressRewrite").WithSummary("Change an address rewriting entry (If-Match required)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        entries.MapDelete("/{id:guid}", async (Guid id, HttpContext http, ClaimsPrincipal user, AddressRewriteService service, CancellationToken ct) =>
            {
                var stored = await service.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(NotFound);
                Preconditions.RevisionFromIfMatch(http, stored.Revision);
                await service.DeleteAsync(AdminActor.FromPrincipal(user), id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteAddressRewrite").WithSummary("Remove an address rewriting entry (If-Match required)")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        return api;
    }
}
