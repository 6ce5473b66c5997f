using System.Security.Claims;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/accepted-domains: the domains Mailflow takes mail for.</summary>
public static class AcceptedDomainsApi
{
    public static RouteGroupBuilder MapAcceptedDomainsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/accepted-domains").WithTags("Accepted domains");

        group.MapGet("/", (AcceptedDomainService domains, CancellationToken ct) => domains.ListAsync(ct))
            .WithName("ListAcceptedDomains").WithSummary("List accepted domains");

        group.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, AcceptedDomainService domains, CancellationToken ct) =>
                await domains.GetAsync(id, ct) is { } domain
                    ? TypedResults.Ok(http.WithETag(domain, domain.Revision))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", "There is no accepted domain with that id."))
            .WithName("GetAcceptedDomain").WithSummary("Get one accepted domain (ETag = revision)")
            .Produces<AcceptedDomain>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/", async (AcceptedDomain input, HttpContext http, ClaimsPrincipal user, AcceptedDomainService domains, CancellationToken ct) =>
            {
                var created = await domains.CreateAsync(AdminActor.FromPrincipal(user), input, ct);
                return TypedResults.Created($"/api/v1/accepted-domains/{created.Id}", http.WithETag(created, created.Revision));
            })
            .WithName("CreateAcceptedDomain").WithSummary("Add an accepted domain")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPut("/{id:guid}", async (Guid id, AcceptedDomain input, HttpContext http, ClaimsPrincipal user, AcceptedDomainService domains, CancellationToken ct) =>
            {
                var stored = await domains.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException("There is no accepted domain with that id.");
                input.Id = id;
                input.Revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var saved = await domains.UpdateAsync(AdminActor.FromPrincipal(user), input, ct);
                return TypedResults.Ok(http.WithETag(saved, saved.Revision));
            })
            .WithName("UpdateAcceptedDomain").WithSummary("Change an accepted domain (If-Match required)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        group.MapDelete("/{id:guid}", async (Guid id, HttpContext http, ClaimsPrincipal user, AcceptedDomainService domains, CancellationToken ct) =>
            {
                var stored = await domains.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException("There is no accepted domain with that id.");
                Preconditions.RevisionFromIfMatch(http, stored.Revision);
                await domains.DeleteAsync(AdminActor.FromPrincipal(user), id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteAcceptedDomain").WithSummary("Remove an accepted domain (If-Match required)")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        return api;
    }
}
