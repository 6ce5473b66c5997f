using System.Security.Claims;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/journal-rules: journal rules (scope, optional recipient or group, journal address, alternate address).</summary>
public static class JournalRulesApi
{
    private const string Missing = "There is no journal rule with that id.";

    public static RouteGroupBuilder MapJournalRulesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/journal-rules").WithTags("Journal rules");

        group.MapGet("/", (JournalRuleService rules, CancellationToken ct) => rules.ListAsync(ct))
            .WithName("ListJournalRules").WithSummary("List journal rules by name");

        group.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, JournalRuleService rules, CancellationToken ct) =>
                await rules.GetAsync(id, ct) is { } rule
                    ? TypedResults.Ok(http.WithETag(rule, rule.Revision))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("GetJournalRule").WithSummary("Get one journal rule (ETag = revision)")
            .Produces<JournalRule>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/", async (JournalRule input, HttpContext http, ClaimsPrincipal user, JournalRuleService rules, CancellationToken ct) =>
            {
                var created = await rules.CreateAsync(AdminActor.FromPrincipal(user), input, ct);
                return TypedResults.Created($"/api/v1/journal-rules/{created.Id}", http.WithETag(created, created.Revision));
            })
            .WithName("CreateJournalRule").WithSummary("Add a journal rule")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPut("/{id:guid}", async (Guid id, JournalRule input, HttpContext http, ClaimsPrincipal user, JournalRuleService rules, CancellationToken ct) =>
            {
                var stored = await rules.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(Missing);
                input.Id = id;
                input.Revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var saved = await rules.UpdateAsync(AdminActor.FromPrincipal(user), input, ct);
                return TypedResults.Ok(http.WithETag(saved, saved.Revision));
            })
            .WithName("UpdateJournalRule").WithSummary("Change a journal rule (If-Match required)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        group.MapDelete("/{id:guid}", async (Guid id, HttpContext http, ClaimsPrincipal user, JournalRuleService rules, CancellationToken ct) =>
            {
                var stored = await rules.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(Missing);
                Preconditions.RevisionFromIfMatch(http, stored.Revision);
                await rules.DeleteAsync(AdminActor.FromPrincipal(user), id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteJournalRule").WithSummary("Remove a journal rule (If-Match required)")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        return api;
    }
}
