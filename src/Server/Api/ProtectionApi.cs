using System.Security.Claims;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>
/// /api/v1/ip-lists (the connection filter's IP allow and block lists) and /api/v1/protection-settings
/// (DNS block lists, Rspamd, ClamAV).
/// </summary>
public static class ProtectionApi
{
    public static RouteGroupBuilder MapProtectionApi(this RouteGroupBuilder api)
    {
        var lists = api.MapGroup("/ip-lists").WithTags("Connection filtering");

        lists.MapGet("/", (IpListService entries, CancellationToken ct) => entries.ListAsync(ct))
            .WithName("ListIpListEntries").WithSummary("List the IP allow and block list entries (expired ones included)");

        lists.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, IpListService entries, CancellationToken ct) =>
                await entries.GetAsync(id, ct) is { } entry
                    ? TypedResults.Ok(http.WithETag(entry, entry.Revision))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", "There is no IP list entry with that id."))
            .WithName("GetIpListEntry").WithSummary("Get one IP list entry (ETag = revision)")
            .Produces<IpListEntry>().ProducesProblem(StatusCodes.Status404NotFound);

        lists.MapPost("/", async (IpListEntry input, HttpContext http, ClaimsPrincipal user, IpListService entries, CancellationToken ct) =>
            {
                var created = await entries.CreateAsync(AdminActor.FromPrincipal(user), input, ct);
                return TypedResults.Created($"/api/v1/ip-lists/{created.Id}", http.WithETag(created, created.Revision));
            })
            .WithName("CreateIpListEntry").WithSummary("Add an address or CIDR range to the allow or block list")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        lists.MapPut("/{id:guid}", async (Guid id, IpListEntry input, HttpContext http, ClaimsPrincipal user, IpListService entries, CancellationToken ct) =>
            {
                var stored = await entries.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException("There is no IP list entry with that id.");
                input.Id = id;
                input.Revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var saved = await entries.UpdateAsync(AdminActor.FromPrincipal(user), input, ct);
                return TypedResults.Ok(http.WithETag(saved, saved.Revision));
            })
            .WithName("UpdateIpListEntry").WithSummary("Change an IP list entry (If-Match required)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        lists.MapDelete("/{id:guid}", async (Guid id, HttpContext http, ClaimsPrincipal user, IpListService entries, CancellationToken ct) =>
            {
                var stored = await entries.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException("There is no IP list entry with that id.");
                Preconditions.RevisionFromIfMatch(http, stored.Revision);
                await entries.DeleteAsync(AdminActor.FromPrincipal(user), id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteIpListEntry").WithSummary("Remove an IP list entry (If-Match required)")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        var settings = api.MapGroup("/protection-settings").WithTags("Protection settings");

        settings.MapGet("/", async (HttpContext http, ProtectionSettingsService service, CancellationToken ct) =>
            {
                var current = await service.GetAsync(ct);
                return TypedResults.Ok(http.WithETag(current, current.Revision));
            })
            .WithName("GetProtectionSettings").WithSummary("Get the protection settings: DNS block lists, Rspamd, ClamAV (ETag = revision)");

        settings.MapPut("/", async (ProtectionSettings input, HttpContext http, ClaimsPrincipal user, ProtectionSettingsService service, CancellationToken ct) =>
            {
                var stored = await service.GetAsync(ct);
                input.Revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var saved = await service.UpdateAsync(AdminActor.FromPrincipal(user), input, ct);
                return TypedResults.Ok(http.WithETag(saved, saved.Revision));
            })
            .WithName("UpdateProtectionSettings").WithSummary("Change the protection settings (If-Match required)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        return api;
    }
}
