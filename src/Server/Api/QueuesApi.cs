using System.Security.Claims;
using Mailflow.Configuration;
using Mailflow.Queue;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/queues: the delivery queues (one per next hop) and actions on a whole queue.</summary>
public static class QueuesApi
{
    public sealed record QueueActionResult(string NextHopKey, int Changed);

    public static RouteGroupBuilder MapQueuesApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/queues").WithTags("Queues");

        group.MapGet("/", (IQueueOperations queues, CancellationToken ct) => queues.ListQueuesAsync(ct))
            .WithName("ListQueues").WithSummary("Delivery queues (one per next hop) with message counts, status, next retry and last error");

        // The next hop key may hold characters a path segment cannot ("smtp:example.com", "connector:…"), hence the catch-all.
        group.MapPost("/suspend/{**nextHopKey}", async (string nextHopKey, ClaimsPrincipal user, IQueueOperations queues, CancellationToken ct) =>
            {
                await queues.SuspendQueueAsync(AdminActor.FromPrincipal(user), nextHopKey, ct);
                return new QueueActionResult(nextHopKey, 1);
            })
            .WithName("SuspendQueue").WithSummary("Suspend delivery to a next hop (Organization Management)")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapPost("/resume/{**nextHopKey}", async (string nextHopKey, ClaimsPrincipal user, IQueueOperations queues, CancellationToken ct) =>
                new QueueActionResult(nextHopKey, await queues.ResumeQueueAsync(AdminActor.FromPrincipal(user), nextHopKey, ct)))
            .WithName("ResumeQueue").WithSummary("Resume delivery to a next hop (Organization Management)")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        group.MapPost("/retry/{**nextHopKey}", async (string nextHopKey, ClaimsPrincipal user, IQueueOperations queues, CancellationToken ct) =>
                new QueueActionResult(nextHopKey, await queues.RetryQueueAsync(AdminActor.FromPrincipal(user), nextHopKey, ct)))
            .WithName("RetryQueue").WithSummary("Retry every waiting recipient of a next hop now (Organization Management)")
            .ProducesProblem(StatusCodes.Status403Forbidden);

        return api;
    }
}
