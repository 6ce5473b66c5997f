using System.Security.Claims;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>
/// /api/v1/config: configuration as code. Export the whole organization configuration as one
/// document, plan a document (validation + what would be created, changed, removed), and apply it
/// in one transaction with one audit entry and one configuration generation — or nothing.
/// </summary>
public static class ConfigurationAsCodeApi
{
    public static RouteGroupBuilder MapConfigurationAsCodeApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/config").WithTags("Configuration as code");

        group.MapGet("/export", async (bool? includeSecrets, ClaimsPrincipal user, ConfigurationAsCodeService configuration, CancellationToken ct) =>
                TypedResults.Json(await configuration.ExportAsync(AdminActor.FromPrincipal(user), includeSecrets ?? false, ct), ConfigurationDocument.JsonOptions))
            .WithName("ExportConfiguration")
            .WithSummary("Export the organization configuration as a document. Smart-host passwords are never exported; includeSecrets=true adds recipients' password hashes (Organization Management)")
            .Produces<ConfigurationDocument>();

        group.MapPost("/plan", async (ConfigurationDocument document, ConfigurationAsCodeService configuration, CancellationToken ct) =>
            {
                var plan = await configuration.PlanAsync(document, ct);
                return plan.IsValid ? Results.Ok(plan) : ApiResults.Validation(plan.Errors);
            })
            .WithName("PlanConfiguration").WithSummary("Validate a document and show what applying it would create, change and remove; changes nothing")
            .Produces<ConfigurationPlan>().ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPost("/apply", async (ConfigurationDocument document, bool? dryRun, ClaimsPrincipal user, ConfigurationAsCodeService configuration, CancellationToken ct) =>
                TypedResults.Ok(await configuration.ApplyAsync(AdminActor.FromPrincipal(user), document, dryRun ?? false, ct)))
            .WithName("ApplyConfiguration")
            .WithSummary("Apply a document in one transaction (one audit entry, one configuration generation), or change nothing if anything is invalid; dryRun=true only plans")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        return api;
    }
}
