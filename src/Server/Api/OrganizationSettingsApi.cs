using System.Security.Claims;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/organization-settings: the one organization-wide settings object (timers, limits, name).</summary>
public static class OrganizationSettingsApi
{
    public static RouteGroupBuilder MapOrganizationSettingsApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/organization-settings").WithTags("Organization settings");

        group.MapGet("/", async (HttpContext http, OrganizationSettingsService settings, CancellationToken ct) =>
            {
                var current = await settings.GetAsync(ct);
                return TypedResults.Ok(http.WithETag(current, current.Revision));
            })
            .WithName("GetOrganizationSettings").WithSummary("Get the organization settings (ETag = revision)");

        group.MapPut("/", async (OrganizationSettings input, HttpContext http, ClaimsPrincipal user, OrganizationSettingsService settings, CancellationToken ct) =>
            {
                var stored = await settings.GetAsync(ct);
                input.Revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var saved = await settings.UpdateAsync(AdminActor.FromPrincipal(user), input, ct);
                return TypedResults.Ok(http.WithETag(saved, saved.Revision));
            })
            .WithName("UpdateOrganizationSettings").WithSummary("Change the organization settings (If-Match required)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        return api;
    }
}
