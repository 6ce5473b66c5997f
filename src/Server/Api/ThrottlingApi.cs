using System.Security.Claims;
using Mailflow.Configuration;
using Mailflow.Security;

namespace Mailflow.Server.Api;

/// <summary>
/// /api/v1/throttling ("who is throttled now" on the node that answers: counters per key, time until
/// reset, reset) and /api/v1/blocked-senders (senders blocked for reaching a limit; unblock).
/// </summary>
public static class ThrottlingApi
{
    /// <summary>One counter as the API shows it (times in whole seconds, rounded up).</summary>
    public sealed record CounterView(string Kind, string Limit, string KeyType, string Key, int Used, int Max, bool Throttled, int NextAllowedInSeconds, int ResetsInSeconds)
    {
        public static CounterView Of(RateLimitCounter c) => new(c.Kind.ToString(), c.Definition.DisplayName, c.Definition.KeyDescription, c.Key, c.Used, c.Limit, c.Throttled,
            (int)Math.Ceiling(c.NextAllowedIn.TotalSeconds), (int)Math.Ceiling(c.ResetsIn.TotalSeconds));
    }

    public sealed record ResetRequest(string? Kind, string? Key);

    public static RouteGroupBuilder MapThrottlingApi(this RouteGroupBuilder api)
    {
        var throttling = api.MapGroup("/throttling").WithTags("Rate limits");

        throttling.MapGet("/", (ThrottlingService service) => service.Current().Select(CounterView.Of).ToList())
            .WithName("ListRateLimitCounters").WithSummary("Who is throttled now on this node: every counted key, throttled ones first");

        throttling.MapPost("/reset", async Task<IResult> (ResetRequest request, ClaimsPrincipal user, ThrottlingService service, CancellationToken ct) =>
            {
                var errors = new ValidationErrors();
                if (!Enum.TryParse<RateLimitKind>(request.Kind, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
                    errors.Add("kind", $"Name a rate limit: {string.Join(", ", Enum.GetNames<RateLimitKind>())}.");
                if (string.IsNullOrWhiteSpace(request.Key))
                    errors.Add("key", "Name the key to reset (a client address, a sender or a domain).");
                if (!errors.IsEmpty)
                    return ApiResults.Validation(errors.ToDictionary());
                return await service.ResetAsync(AdminActor.FromPrincipal(user), kind, request.Key!.Trim(), ct)
                    ? TypedResults.NoContent()
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", $"Nothing is counted for {request.Key} under {kind} on this node.");
            })
            .WithName("ResetRateLimitCounter").WithSummary("Forget what was counted for one key under one limit (audited)")
            .ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status403Forbidden);

        var blocked = api.MapGroup("/blocked-senders").WithTags("Rate limits");

        blocked.MapGet("/", (BlockedSenderService service, CancellationToken ct) => service.ListAsync(ct))
            .WithName("ListBlockedSenders").WithSummary("Senders blocked for reaching a rate limit");

        blocked.MapDelete("/{id:guid}", async (Guid id, ClaimsPrincipal user, BlockedSenderService service, CancellationToken ct) =>
            {
                await service.UnblockAsync(AdminActor.FromPrincipal(user), id, ct);
                return TypedResults.NoContent();
            })
            .WithName("UnblockSender").WithSummary("Let a blocked sender send again (audited)")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status403Forbidden);
        return api;
    }
}
