using Mailflow.Configuration;
using Mailflow.Tracking;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/trace: message tracking — search the events, and one message's timeline.</summary>
public static class TraceApi
{
    public sealed record TracePage(IReadOnlyList<MessageTrackingEvent> Items, int Page, int PageSize, int Total);

    public sealed record RefusalsPage(IReadOnlyList<TracedRefusal> Items, int Page, int PageSize, int Total);

    public const int MaximumPageSize = 1000;

    public static RouteGroupBuilder MapTraceApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/trace").WithTags("Message trace");

        group.MapGet("/", async (MessageTraceQuery query, TimeProvider time, string? sender, string? recipient, string? subject,
                string? messageId, string? queueId, MessageTrackingEventKind? kind, DateTimeOffset? from, DateTimeOffset? to, int? page, int? pageSize, CancellationToken ct) =>
            {
                var size = Math.Clamp(pageSize ?? 100, 1, MaximumPageSize);
                var number = Math.Max(page ?? 1, 1);
                var until = to ?? time.GetUtcNow();
                // Without a window the search covers the last 48 hours: the trace can be large.
                var search = new MessageTraceSearch
                {
                    Sender = sender, Recipient = recipient, Subject = subject, MessageOrQueueId = messageId, Kind = kind,
                    From = from ?? until - TimeSpan.FromHours(48), To = until,
                };
                var result = await query.SearchEventsAsync(search, queueId, (number - 1) * size, size, ct);
                return new TracePage(result.Items, number, size, result.Total);
            })
            .WithName("SearchTrace").WithSummary("Tracking events, newest first. Filters: sender, recipient, subject (contains; all events of the matching messages), messageId (ditto), queueId, kind, from/to (default: last 48 h); page from 1");

        // Literal segments outrank the {queueId} parameter; queue ids are never "messages" or "messages.csv".
        group.MapGet("/messages", async (MessageTraceQuery query, TimeProvider time, string? sender, string? recipient, string? subject, string? id,
                MessageTrackingEventKind? kind, DateTimeOffset? from, DateTimeOffset? to, int? max, CancellationToken ct) =>
            {
                var messages = await query.SearchAsync(MessageTraceSearches.From(time.GetUtcNow(), sender, recipient, subject, id, kind, from, to, max), ct);
                return messages.Select(TracedMessageResource.From).ToList();
            })
            .WithName("TraceMessages").WithSummary("Messages with their outcome per recipient, newest first. Filters: sender, recipient, subject (contains), id (Message-ID or queue id), kind, from/to (default: last 24 h), max (default 100)");

        group.MapGet("/messages.csv", async (MessageTraceQuery query, TransportConfigProvider config, TimeProvider time, string? sender, string? recipient, string? subject, string? id,
                MessageTrackingEventKind? kind, DateTimeOffset? from, DateTimeOffset? to, int? max, CancellationToken ct) =>
            {
                var now = time.GetUtcNow();
                var messages = await query.SearchAsync(MessageTraceSearches.From(now, sender, recipient, subject, id, kind, from, to, max), ct);
                return Results.File(TraceCsv.Utf8(await TraceCsv.ToStringAsync(messages, config.Current)), TraceCsv.ContentType, TraceCsv.FileName(now));
            })
            .WithName("ExportTrace").WithSummary("The same search as /trace/messages as CSV, one row per recipient (times ISO 8601 UTC)");

        group.MapGet("/refusals", async (MessageTraceQuery query, TimeProvider time, string? client, string? sender, string? recipient, string? agent,
                DateTimeOffset? from, DateTimeOffset? to, int? page, int? pageSize, CancellationToken ct) =>
            {
                var size = Math.Clamp(pageSize ?? 100, 1, MaximumPageSize);
                var number = Math.Max(page ?? 1, 1);
                var search = RefusalSearch.Create(time.GetUtcNow(), client, sender, recipient, agent, from, to);
                var result = await query.SearchRefusalsAsync(search, (number - 1) * size, size, ct);
                return new RefusalsPage(result.Items, number, size, result.Total);
            })
            .WithName("TraceRefusals").WithSummary("What receive sessions refused during the SMTP conversation (no message was queued): client, HELO, sender, recipients, agent, reason, reply, protocol log session; newest first. Filters: client (IP, from its start), sender, recipient, agent (contains), from/to (default: last 24 h); page from 1");

        group.MapGet("/refusals.csv", async (MessageTraceQuery query, TimeProvider time, string? client, string? sender, string? recipient, string? agent,
                DateTimeOffset? from, DateTimeOffset? to, CancellationToken ct) =>
            {
                var now = time.GetUtcNow();
                var result = await query.SearchRefusalsAsync(RefusalSearch.Create(now, client, sender, recipient, agent, from, to), 0, MessageTraceQuery.MaxRefusals, ct);
                return Results.File(TraceCsv.Utf8(RefusalCsv.ToCsv(result.Items)), TraceCsv.ContentType, RefusalCsv.FileName(now));
            })
            .WithName("ExportTraceRefusals").WithSummary("The same search as /trace/refusals as CSV, one row per refusal (times ISO 8601 UTC, at most 10,000 rows)");

        group.MapGet("/{queueId}", async Task<IResult> (string queueId, MessageTraceQuery query, CancellationToken ct) =>
            {
                var events = await query.TimelineAsync(queueId, ct);
                return events.Count > 0
                    ? TypedResults.Ok(events)
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", "No tracking events for that queue id.");
            })
            .WithName("GetMessageTimeline").WithSummary("One message's timeline: every tracking event of a queue id, oldest first")
            .Produces<List<MessageTrackingEvent>>().ProducesProblem(StatusCodes.Status404NotFound);

        return api;
    }

    /// <summary>A traced message for the API: identity, outcome per recipient (next hops named from the live configuration), and the timeline.</summary>
    public sealed record TracedMessageResource(string? QueueId, string? MessageId, string Sender, string? Subject, DateTimeOffset FirstSeen,
        IReadOnlyList<RecipientTrace> Recipients, IReadOnlyList<MessageTrackingEvent> Events)
    {
        public static TracedMessageResource From(TracedMessage m) => new(m.QueueId, m.InternetMessageId, m.Sender, m.Subject, m.FirstSeen, m.Recipients, m.Events);
    }
}
