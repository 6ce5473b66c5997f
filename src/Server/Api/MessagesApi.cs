using System.Security.Claims;
using Mailflow.Configuration;
using Mailflow.Queue;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/messages: the messages in the queue — list, details, actions, export.</summary>
public static class MessagesApi
{
    /// <param name="Ndr">For remove: send the sender an NDR for every recipient not yet delivered.</param>
    public sealed record BulkActionRequest(QueueAction Action, IReadOnlyList<string> QueueIds, bool Ndr = false);

    public sealed record MessageActionResult(int Changed);

    public sealed record MessageCount(int Count, string Filter);

    /// <summary>
    /// An action on every message a filter selects (the filter as <c>GET /messages</c> takes it). An empty
    /// filter selects the whole queue, so it must be asked for with <c>all: true</c>: an empty body cannot
    /// empty the queue by accident.
    /// </summary>
    /// <param name="Ndr">For remove: send each sender an NDR for every recipient not yet delivered.</param>
    /// <param name="All">Required, and only allowed, when no filter is given: act on every queued message.</param>
    public sealed record MatchingActionRequest(
        QueueAction Action,
        bool Ndr = false,
        bool All = false,
        string? Sender = null,
        string? Recipient = null,
        QueuedMessageState? State = null,
        string? Subject = null,
        string? Queue = null,
        DateTimeOffset? ReceivedFrom = null,
        DateTimeOffset? ReceivedBefore = null)
    {
        public QueueMessageFilter ToFilter() => Filter(Sender, Recipient, State, Subject, Queue, ReceivedFrom, ReceivedBefore);
    }

    /// <param name="Changed">How many messages the action changed (matching messages in a state it does not apply to are left alone).</param>
    public sealed record MatchingActionResult(int Changed, string Filter);

    public const int MaximumPageSize = 500;
    private const string Missing = "There is no message with that queue id in the queue.";

    public static RouteGroupBuilder MapMessagesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/messages").WithTags("Queued messages");

        group.MapGet("/", (IQueueOperations queues, string? sender, string? recipient, QueuedMessageState? state, string? subject,
                string? queue, DateTimeOffset? receivedFrom, DateTimeOffset? receivedBefore, int? page, int? pageSize, CancellationToken ct) =>
            {
                var size = Math.Clamp(pageSize ?? 50, 1, MaximumPageSize);
                var number = Math.Max(page ?? 1, 1);
                return queues.ListMessagesAsync(new QueueMessageQuery
                {
                    Sender = sender, Recipient = recipient, State = state, SubjectContains = subject, NextHopKey = queue,
                    ReceivedFrom = receivedFrom, ReceivedBefore = receivedBefore,
                    Skip = (number - 1) * size, Take = size,
                }, ct);
            })
            .WithName("ListMessages").WithSummary("Queued messages, newest first. Filters: sender, recipient, subject (contains), state, queue (next hop key, exact), " +
                "receivedFrom (at or after) and receivedBefore (ISO 8601 times); page from 1");

        // A literal segment outranks the {queueId} parameter in routing; queue ids are never "count".
        group.MapGet("/count", async (IQueueOperations queues, string? sender, string? recipient, QueuedMessageState? state, string? subject,
                string? queue, DateTimeOffset? receivedFrom, DateTimeOffset? receivedBefore, CancellationToken ct) =>
            {
                var filter = Filter(sender, recipient, state, subject, queue, receivedFrom, receivedBefore);
                return new MessageCount(await queues.CountMessagesAsync(filter, ct), filter.Describe());
            })
            .WithName("CountMessages").WithSummary("How many queued messages match the filter (the same filters as listing): what an action on everything matching would consider");

        group.MapPost("/matching", async Task<IResult> (MatchingActionRequest request, ClaimsPrincipal user, IQueueOperations queues, CancellationToken ct) =>
            {
                var controlled = new Dictionary<string, string[]>();
                foreach (var (field, text) in new[] { ("Sender", request.Sender), ("Recipient", request.Recipient), ("Subject", request.Subject), ("Queue", request.Queue) })
                    if (ApiInputFilter.HasControlCharacter(text))
                        controlled[field] = [ApiInputFilter.ControlCharacterMessage];
                if (controlled.Count > 0)
                    return ApiResults.Validation(controlled);
                var filter = request.ToFilter() with
                {
                    ReceivedFrom = request.ReceivedFrom is { } from ? ApiInputFilter.Clamp(from) : null,
                    ReceivedBefore = request.ReceivedBefore is { } before ? ApiInputFilter.Clamp(before) : null,
                };
                var empty = filter == new QueueMessageFilter();
                if (empty != request.All)
                    return ApiResults.Validation(new Dictionary<string, string[]>
                    {
                        ["All"] = [empty
                            ? "Give a filter (sender, recipient, subject, state, queue, receivedFrom, receivedBefore), or all: true to act on every queued message."
                            : "all: true acts on every queued message: leave it out when giving a filter."],
                    });
                var changed = await queues.ApplyToMatchingAsync(AdminActor.FromPrincipal(user), filter, request.Action.WithNdr(request.Ndr), ct);
                return TypedResults.Ok(new MatchingActionResult(changed, filter.Describe()));
            })
            .WithName("MatchingMessageAction").WithSummary("Apply one action (Suspend, Resume, Retry, Remove with or without ndr, Release) to every message matching a filter, " +
                "set-based and audited as one entry; answers how many changed. An empty filter needs all: true (Organization Management)")
            .Produces<MatchingActionResult>().ProducesValidationProblem(StatusCodes.Status422UnprocessableEntity).ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapGet("/{queueId}", async Task<IResult> (string queueId, IQueueOperations queues, CancellationToken ct) =>
                await queues.GetMessageAsync(queueId, ct) is { } details
                    ? TypedResults.Ok(details)
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", QueuedMessageAbsence.Text(queueId)))
            .WithName("GetMessage").WithSummary("One queued message: envelope, per-recipient state and its tracking events")
            .Produces<QueuedMessageDetails>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapGet("/{queueId}/export", async Task<IResult> (string queueId, ClaimsPrincipal user, IQueueOperations queues, CancellationToken ct) =>
                await queues.ExportAsync(AdminActor.FromPrincipal(user), queueId, ct) is { } content
                    ? TypedResults.Stream(content, "message/rfc822", queueId + ".eml")
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("ExportMessage").WithSummary("The stored message exactly as received (message/rfc822, .eml)")
            .ProducesProblem(StatusCodes.Status404NotFound);

        MapAction(group, "suspend", QueueAction.Suspend, "SuspendMessage", "Suspend one message (Organization Management)");
        MapAction(group, "resume", QueueAction.Resume, "ResumeMessage", "Resume a suspended message (Organization Management)");
        MapAction(group, "retry", QueueAction.RetryNow, "RetryMessage", "Retry a waiting message now (Organization Management)");
        MapAction(group, "release", QueueAction.Release, "ReleaseMessage", "Release a message from quarantine (Organization Management)");

        group.MapDelete("/{queueId}", async Task<IResult> (string queueId, bool? ndr, ClaimsPrincipal user, IQueueOperations queues, CancellationToken ct) =>
                await queues.ApplyAsync(AdminActor.FromPrincipal(user), QueueAction.RemoveSilently.WithNdr(ndr ?? false), [queueId], ct) is var changed and > 0
                    ? TypedResults.Ok(new MessageActionResult(changed))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", Missing))
            .WithName("RemoveMessage").WithSummary("Remove a message from the queue; ?ndr=true sends the sender an NDR (5.3.0) for recipients not yet delivered (Organization Management)")
            .ProducesProblem(StatusCodes.Status403Forbidden).ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/bulk", (BulkActionRequest request, ClaimsPrincipal user, IQueueOperations queues, CancellationToken ct) =>
                RunAsync(queues, AdminActor.FromPrincipal(user), request.Action.WithNdr(request.Ndr), request.QueueIds, ct))
            .WithName("BulkMessageAction").WithSummary("Apply one action (Suspend, Resume, Retry, Remove, Release) to a list of queue ids; answers how many changed (Organization Management)")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        return api;
    }

    private static void MapAction(RouteGroupBuilder group, string verb, QueueAction action, string operationId, string summary) =>
        group.MapPost("/{queueId}/" + verb, (string queueId, ClaimsPrincipal user, IQueueOperations queues, CancellationToken ct) =>
                RunAsync(queues, AdminActor.FromPrincipal(user), action, [queueId], ct))
            .WithName(operationId).WithSummary(summary)
            .ProducesProblem(StatusCodes.Status403Forbidden);

    /// <summary>The viewer's filter from the API's names; blank text filters select nothing less (they are left out).</summary>
    private static QueueMessageFilter Filter(string? sender, string? recipient, QueuedMessageState? state, string? subject,
        string? queue, DateTimeOffset? receivedFrom, DateTimeOffset? receivedBefore) => new()
    {
        Sender = Blank(sender), Recipient = Blank(recipient), State = state, SubjectContains = Blank(subject), NextHopKey = Blank(queue),
        ReceivedFrom = receivedFrom, ReceivedBefore = receivedBefore,
    };

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text;

    private static async Task<MessageActionResult> RunAsync(IQueueOperations queues, AdminActor actor, QueueAction action,
        IReadOnlyList<string> queueIds, CancellationToken ct) =>
        new(await queues.ApplyAsync(actor, action, queueIds, ct));
}
