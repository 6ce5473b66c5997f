using System.Security.Claims;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/remote-domains: address rewriting entries (internal ↔ external addresses).</summary>
public static class RemoteDomainsApi
{
    private const string NotFound = "There is no remote domain with that id.";

    public static RouteGroupBuilder MapRemoteDomainsApi(this RouteGroupBuilder api)
    {
        var entries = api.MapGroup("/remote-domains").WithTags("Remote domains");

        entries.MapGet("/", (RemoteDomainService service, CancellationToken ct) => service.ListAsync(ct))
            .WithName("ListRemoteDomains").WithSummary("List the remote domains (the default * entry included)");

        entries.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, RemoteDomainService service, CancellationToken ct) =>
                await service.GetAsync(id, ct) is { } entry
                    ? TypedResults.Ok(http.WithETag(entry, entry.Revision))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", NotFound))
            .WithName("GetRemoteDomain").WithSummary("Get one remote domain (ETag = revision)")
            .Produces<RemoteDomain>().ProducesProblem(StatusCodes.Status404NotFound);

        entries.MapPost("/", async (RemoteDomain input, HttpContext http, ClaimsPrincipal user, RemoteDomainService service, CancellationToken ct) =>
            {
                var created = await service.CreateAsync(AdminActor.FromPrincipal(user), input, ct);
                return TypedResults.Created($"/api/v1/remote-domains/{created.Id}", http.WithETag(created, created.Revision));
            })
            .WithName("CreateRemoteDomain").WithSummary("Add a remote domain: a domain or *.domain with what may be sent there")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        entries.MapPut("/{id:guid}", async (Guid id, RemoteDomain input, HttpContext http, ClaimsPrincipal user, RemoteDomainService service, CancellationToken ct) =>
            {
                var stored = await service.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(NotFound);
                input.Id = id;
                input.Revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var saved = await service.UpdateAsync(AdminActor.FromPrincipal(user), input, ct);
                return TypedResults.Ok(http.WithETag(saved, saved.Revision));
            })
            .WithName("UpdateRemoteDomain").WithSummary("Change a remote domain (If-Match required)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        entries.MapDelete("/{id:guid}", async (Guid id, HttpContext http, ClaimsPrincipal user, RemoteDomainService service, CancellationToken ct) =>
            {
                var stored = await service.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(NotFound);
                Preconditions.RevisionFromIfMatch(http, stored.Revision);
                await service.DeleteAsync(AdminActor.FromPrincipal(user), id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteRemoteDomain").WithSummary("Remove a remote domain (If-Match required; the default * entry cannot be removed)")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        return api;
    }
}
