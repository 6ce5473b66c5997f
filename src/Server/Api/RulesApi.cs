using System.Security.Claims;
using Mailflow.Configuration;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/rules: mail flow (transport) rules, in priority order (0 is evaluated first).</summary>
public static class RulesApi
{
    /// <summary>The rule's new place: 0 = first; past the end = last.</summary>
    public sealed record MoveRequest(int Priority);

    private const string Missing = "There is no mail flow rule with that id.";

    public static RouteGroupBuilder MapRulesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/rules").WithTags("Mail flow rules");

        group.MapGet("/", (TransportRuleService rules, CancellationToken ct) => rules.ListAsync(ct))
            .WithName("ListRules").WithSummary("List mail flow rules in priority order");

        group.MapGet("/catalog", () => new { RuleCatalog.Predicates, RuleCatalog.Actions, RuleCatalog.Scopes })
            .WithName("GetRuleCatalog").WithSummary("The conditions, exceptions and actions a rule may use");

        group.MapGet("/{id:guid}", async Task<IResult> (Guid id, HttpContext http, TransportRuleService rules, CancellationToken ct) =>
                await rules.GetAsync(id, ct) is { } rule
                    ? TypedResults.Ok(http.WithETag(rule, rule.Revision))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("GetRule").WithSummary("Get one mail flow rule (ETag = revision)")
            .Produces<TransportRule>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/", async (TransportRule input, HttpContext http, ClaimsPrincipal user, TransportRuleService rules, CancellationToken ct) =>
            {
                var created = await rules.CreateAsync(AdminActor.FromPrincipal(user), input, ct);
                return TypedResults.Created($"/api/v1/rules/{created.Id}", http.WithETag(created, created.Revision));
            })
            .WithName("CreateRule").WithSummary("Add a mail flow rule at the given priority (past the end = last)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapPut("/{id:guid}", async (Guid id, TransportRule input, HttpContext http, ClaimsPrincipal user, TransportRuleService rules, CancellationToken ct) =>
            {
                var stored = await rules.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(Missing);
                input.Id = id;
                input.Revision = Preconditions.RevisionFromIfMatch(http, stored.Revision);
                var saved = await rules.UpdateAsync(AdminActor.FromPrincipal(user), input, ct);
                return TypedResults.Ok(http.WithETag(saved, saved.Revision));
            })
            .WithName("UpdateRule").WithSummary("Change a mail flow rule (If-Match required; the priority changes only through move)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity)
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        group.MapPost("/{id:guid}/move", async (Guid id, MoveRequest request, HttpContext http, ClaimsPrincipal user, TransportRuleService rules, CancellationToken ct) =>
            {
                var moved = await rules.MoveAsync(AdminActor.FromPrincipal(user), id, request.Priority, ct);
                return TypedResults.Ok(http.WithETag(moved, moved.Revision));
            })
            .WithName("MoveRule").WithSummary("Move a rule to another priority; the others are renumbered")
            .ProducesProblem(StatusCodes.Status404NotFound);

        group.MapDelete("/{id:guid}", async (Guid id, HttpContext http, ClaimsPrincipal user, TransportRuleService rules, CancellationToken ct) =>
            {
                var stored = await rules.GetAsync(id, ct) ?? throw new ConfigurationNotFoundException(Missing);
                Preconditions.RevisionFromIfMatch(http, stored.Revision);
                await rules.DeleteAsync(AdminActor.FromPrincipal(user), id, ct);
                return TypedResults.NoContent();
            })
            .WithName("DeleteRule").WithSummary("Remove a mail flow rule (If-Match required)")
            .ProducesProblem(StatusCodes.Status412PreconditionFailed).ProducesProblem(StatusCodes.Status428PreconditionRequired);

        return api;
    }
}
