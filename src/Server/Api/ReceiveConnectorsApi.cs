using System.Security.Claims;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/receive-connectors: who may connect where, and what they may do. Saved changes rebind listeners live.</summary>
public static class ReceiveConnectorsApi
{
    /// <summary>The name for a copy.</summary>
    public sealed record CopyRequest(string Name);

    private const string Missing = "There is no receive connector with that id.";

    public static RouteGroupBuilder MapReceiveConnectorsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/receive-connectors").WithTags("Receive connectors");

        group.MapGet("/", (ReceiveConnectorService connectors, CancellationToken ct) => connectors.ListAsync(ct))
            .WithName("ListReceiveConnectors").WithSummary("List receive connectors");

        group.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, ReceiveConnectorService connectors, CancellationToken ct) =>
                await connectors.GetAsync(id, ct) is { } connector
                    ? TypedResults.Ok(http.WithETag(connector, connector.Revision))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("GetReceiveConnector").WithSummary("Get one receive connector (ETag = revision)")
            .Produces<ReceiveConnector>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/", async (ReceiveConnector input, HttpContext http, ClaimsPrincipal user, ReceiveConnectorService connectors, CancellationToken ct) =>
            {
                var created = await connectors.CreateAsync(AdminActor.FromPrincipal(user), input, ct);
                return TypedResults.Created($"/api/v1/receive-connectors/{created.Id}", http.WithETag(created, created.Revision));
            })
            .WithName("CreateReceiveConnector").WithSummary("Add a receive connector")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPut("/{id:guid}", async (Guid id, ReceiveConnector input, HttpContext http, ClaimsPrincipal user, ReceiveConnectorService connectors, CancellationToken ct) =>
            {
                var stored = await connectors.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(Missing);
                input.Id = id;
                input.Revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var saved = await connectors.UpdateAsync(AdminActor.FromPrincipal(user), input, ct);
                return TypedResults.Ok(http.WithETag(saved, saved.Revision));
            })
            .WithName("UpdateReceiveConnector").WithSummary("Change a receive connector (If-Match required)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        group.MapPost("/{id:guid}/copy", async (Guid id, CopyRequest request, HttpContext http, ClaimsPrincipal user, ReceiveConnectorService connectors, CancellationToken ct) =>
            {
                var copy = await connectors.CopyAsync(AdminActor.FromPrincipal(user), id, request.Name, ct);
                return TypedResults.Created($"/api/v1/receive-connectors/{copy.Id}", http.WithETag(copy, copy.Revision));
            })
            .WithName("CopyReceiveConnector").WithSummary("Copy a receive connector under a new name (the copy starts disabled)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status404NotFound);

        group.MapDelete("/{id:guid}", async (Guid id, HttpContext http, ClaimsPrincipal user, ReceiveConnectorService connectors, CancellationToken ct) =>
            {
                var stored = await connectors.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(Missing);
                Preconditions.RevisionFromIfMatch(http, stored.Revision);
                await connectors.DeleteAsync(AdminActor.FromPrincipal(user), id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteReceiveConnector").WithSummary("Remove a receive connector (If-Match required)")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        return api;
    }
}
