using System.Security.Claims;
using Mailflow.Configuration;
using Mailflow.Queue;

namespace Mailflow.Server.Api;

/// <summary>
/// /api/v1/quarantine: messages held by a mail flow rule, anti-spam or anti-malware, with why, score and
/// symbols; release (optionally allowing the sender), delete, export (.eml) and "mark as spam / not
/// spam" (Rspamd learning). Every action needs Organization Management and is audited.
/// </summary>
public static class QuarantineApi
{
    private const string Missing = "There is no quarantined message with that queue id.";

    /// <param name="Recipients">Release to these recipients only (the others stay held); empty or absent = to all.</param>
    public sealed record ReleaseRequest(bool AllowSender = false, IReadOnlyList<string>? Recipients = null);

    public sealed record LearnRequest(bool Spam);

    /// <param name="Reason">The text of the sender's NDR; absent = "Your message was not approved by the moderator".</param>
    public sealed record RejectRequest(string? Reason = null);

    public static RouteGroupBuilder MapQuarantineApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/quarantine").WithTags("Quarantine");

        group.MapGet("/", (IQuarantine quarantine, CancellationToken ct) => quarantine.ListAsync(ct))
            .WithName("ListQuarantine").WithSummary("Messages held in quarantine, newest first, with why, spam score and symbols");

        group.MapGet("/{queueId}", async Task<IResult> (string queueId, IQuarantine quarantine, CancellationToken ct) =>
                await quarantine.GetAsync(queueId, ct) is { } held ? TypedResults.Ok(held) : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("GetQuarantinedMessage").WithSummary("One quarantined message")
            .Produces<QuarantinedMessage>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{queueId}/release", async Task<IResult> (string queueId, ReleaseRequest? request, ClaimsPrincipal user, IQuarantine quarantine, CancellationToken ct) =>
            {
                var actor = AdminActor.FromPrincipal(user);
                if (request?.Recipients is { Count: > 0 } recipients)
                {
                    if (request.AllowSender)
                        return ApiResults.Problem(StatusCodes.Status400BadRequest, "Bad request", "allowSender applies to a release to all recipients; release to some recipients without it.");
                    return await quarantine.ReleaseToAsync(actor, queueId, recipients, ct) is { } partial
                        ? TypedResults.Ok(partial)
                        : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing);
                }
                return await quarantine.ReleaseAsync(actor, queueId, request?.AllowSender ?? false, ct)
                    ? TypedResults.NoContent()
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing);
            })
            .WithName("ReleaseQuarantinedMessage").WithSummary("Send a quarantined message on (204); allowSender also adds its sender to the allowed senders (audited). With recipients, to those only (200 with the new queue id they went on as; the others stay held)")
            .Produces<QuarantinePartialRelease>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status403Forbidden).ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity);

        group.MapDelete("/{queueId}", async Task<IResult> (string queueId, ClaimsPrincipal user, IQuarantine quarantine, CancellationToken ct) =>
                await quarantine.DeleteAsync(AdminActor.FromPrincipal(user), queueId, ct)
                    ? TypedResults.NoContent()
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("DeleteQuarantinedMessage").WithSummary("Delete a quarantined message without an NDR (audited)")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapPost("/{queueId}/reject", async Task<IResult> (string queueId, RejectRequest? request, ClaimsPrincipal user, IModeration moderation, CancellationToken ct) =>
                await moderation.RejectAsync(AdminActor.FromPrincipal(user), queueId, request?.Reason, ct)
                    ? TypedResults.NoContent()
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("RejectQuarantinedMessage").WithSummary("Reject a held message (a moderator's \"reject\"): the sender gets an NDR with 5.7.1 and the reason, the message is removed (audited)")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapGet("/{queueId}/export", async Task<IResult> (string queueId, ClaimsPrincipal user, IQuarantine quarantine, IQueueOperations queues, CancellationToken ct) =>
                await quarantine.GetAsync(queueId, ct) is not null && await queues.ExportAsync(AdminActor.FromPrincipal(user), queueId, ct) is { } content
                    ? TypedResults.Stream(content, "message/rfc822", queueId + ".eml")
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("ExportQuarantinedMessage").WithSummary("The held message as received (.eml; Organization Management; audited)")
            .ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapPost("/{queueId}/learn", (string queueId, LearnRequest request, ClaimsPrincipal user, IQuarantine quarantine, CancellationToken ct) =>
                quarantine.LearnAsync(AdminActor.FromPrincipal(user), queueId, request.Spam, ct))
            .WithName("LearnQuarantinedMessage").WithSummary("Mark as spam (spam: true) or not spam: teaches Rspamd through its controller and returns its answer")
            .Produces<QuarantineLearnResult>().ProducesProblem(StatusCodes.Status404NotFound).ProducesProblem(StatusCodes.Status403Forbidden);
        return api;
    }
}
