using System.Security.Claims;
using Mailflow.Configuration;
using Mailflow.Queue;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/messages: the messages in the queue — list, details, actions, export.</summary>
public static class MessagesApi
{
    public enum MessageAction { Suspend, Resume, Retry, Remove, Release }

    /// <param name="Ndr">For remove: send the sender an NDR for every recipient not yet delivered.</param>
    public sealed record BulkActionRequest(MessageAction Action, IReadOnlyList<string> QueueIds, bool Ndr = false);

    public sealed record MessageActionResult(int Changed);

    public const int MaximumPageSize = 500;
    private const string Missing = "There is no message with that queue id in the queue.";

    public static RouteGroupBuilder MapMessagesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/messages").WithTags("Queued messages");

        group.MapGet("/", (IQueueOperations queues, string? sender, string? recipient, QueuedMessageState? state, string? subject,
                string? queue, int? page, int? pageSize, CancellationToken ct) =>
            {
                var size = Math.Clamp(pageSize ?? 50, 1, MaximumPageSize);
                var number = Math.Max(page ?? 1, 1);
                return queues.ListMessagesAsync(new QueueMessageQuery
                {
                    Sender = sender, Recipient = recipient, State = state, SubjectContains = subject, NextHopKey = queue,
                    Skip = (number - 1) * size, Take = size,
                }, ct);
            })
            .WithName("ListMessages").WithSummary("Queued messages, newest first. Filters: sender, recipient, subject (contains), state, queue (next hop key, exact); page from 1");

        group.MapGet("/{queueId}", async Task<IResult> (string queueId, IQueueOperations queues, CancellationToken ct) =>
                await queues.GetMessageAsync(queueId, ct) is { } details
                    ? TypedResults.Ok(details)
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("GetMessage").WithSummary("One queued message: envelope, per-recipient state and its tracking events")
            .Produces<QueuedMessageDetails>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{queueId}/export", async Task<IResult> (string queueId, ClaimsPrincipal user, IQueueOperations queues, CancellationToken ct) =>
                await queues.ExportAsync(AdminActor.FromPrincipal(user), queueId, ct) is { } content
                    ? TypedResults.Stream(content, "message/rfc822", queueId + ".eml")
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("ExportMessage").WithSummary("The stored message exactly as received (message/rfc822, .eml)")
            .ProducesProblem(StatusCodes.Status404NotFound);

        MapAction(group, "suspend", MessageAction.Suspend, "Suspend one message (Organization Management)");
        MapAction(group, "resume", MessageAction.Resume, "Resume a suspended message (Organization Management)");
        MapAction(group, "retry", MessageAction.Retry, "Retry a waiting message now (Organization Management)");
        MapAction(group, "release", MessageAction.Release, "Release a message from quarantine (Organization Management)");

        group.MapDelete("/{queueId}", async Task<IResult> (string queueId, bool? ndr, ClaimsPrincipal user, IQueueOperations queues, CancellationToken ct) =>
                await queues.RemoveAsync(AdminActor.FromPrincipal(user), [queueId], ndr ?? false, ct) is var changed and > 0
                    ? TypedResults.Ok(new MessageActionResult(changed))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("RemoveMessage").WithSummary("Remove a message from the queue; ?ndr=true sends the sender an NDR (5.3.0) for recipients not yet delivered (Organization Management)")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/bulk", (BulkActionRequest request, ClaimsPrincipal user, IQueueOperations queues, CancellationToken ct) =>
                RunAsync(queues, AdminActor.FromPrincipal(user), request.Action, request.QueueIds, request.Ndr, ct))
            .WithName("BulkMessageAction").WithSummary("Apply one action (Suspend, Resume, Retry, Remove, Release) to a list of queue ids; answers how many changed (Organization Management)")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        return api;
    }

    private static void MapAction(RouteGroupBuilder group, string verb, MessageAction action, string summary) =>
        group.MapPost("/{queueId}/" + verb, (string queueId, ClaimsPrincipal user, IQueueOperations queues, CancellationToken ct) =>
                RunAsync(queues, AdminActor.FromPrincipal(user), action, [queueId], false, ct))
            .WithName(action + "Message").WithSummary(summary)
            .ProducesProblem(StatusCodes.Status403Forbidden);

    private static async Task<MessageActionResult> RunAsync(IQueueOperations queues, AdminActor actor, MessageAction action,
        IReadOnlyList<string> queueIds, bool ndr, CancellationToken ct) =>
        new(action switch
        {
            MessageAction.Suspend => await queues.SuspendAsync(actor, queueIds, ct),
            MessageAction.Resume => await queues.ResumeAsync(actor, queueIds, ct),
            MessageAction.Retry => await queues.RetryNowAsync(actor, queueIds, ct),
            MessageAction.Remove => await queues.RemoveAsync(actor, queueIds, ndr, ct),
            MessageAction.Release => await queues.ReleaseFromQuarantineAsync(actor, queueIds, ct),
            _ => throw new ArgumentOutOfRangeException(nameof(action)),
        });
}
