using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/trace: message tracking — search the events, and one message's timeline.</summary>
public static class TraceApi
{
    public sealed record TracePage(IReadOnlyList<MessageTrackingEvent> Items, int Page, int PageSize, int Total);

    public const int MaximumPageSize = 1000;

    public static RouteGroupBuilder MapTraceApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/trace").WithTags("Message trace");

        group.MapGet("/", async (IDbContextFactory<MailflowDbContext> dbFactory, TimeProvider time, string? sender, string? recipient, string? subject,
                string? messageId, string? queueId, MessageTrackingEventKind? kind, DateTimeOffset? from, DateTimeOffset? to, int? page, int? pageSize, CancellationToken ct) =>
            {
                var size = Math.Clamp(pageSize ?? 100, 1, MaximumPageSize);
                var number = Math.Max(page ?? 1, 1);
                var until = to ?? time.GetUtcNow();
                // Without a window the search covers the last 48 hours: the trace can be large.
                var since = from ?? until - TimeSpan.FromHours(48);
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var query = db.MessageTrackingEvents.AsNoTracking().Where(e => e.Time >= since && e.Time <= until);
                if (Lower(sender) is { } s)
                    query = query.Where(e => e.Sender.ToLower().Contains(s));
                if (Lower(recipient) is { } r)
                    query = query.Where(e => e.Recipients.ToLower().Contains(r));
                // Subject and Message-ID are read from the headers after receipt, so the RECEIVE event lacks them:
                // these two filters pick the messages, and the search returns every event of those messages.
                var byHeader = db.MessageTrackingEvents.AsNoTracking().Where(e => e.Time >= since && e.Time <= until && e.QueueId != null);
                var filterByHeader = false;
                if (Lower(subject) is { } t)
                {
                    byHeader = byHeader.Where(e => e.Subject != null && e.Subject.ToLower().Contains(t));
                    filterByHeader = true;
                }
                if (!string.IsNullOrWhiteSpace(messageId))
                {
                    // The Message-ID with or without its angle brackets (RFC 5322 §3.6.4).
                    var bare = messageId.Trim().Trim('<', '>');
                    byHeader = byHeader.Where(e => e.InternetMessageId == bare || e.InternetMessageId == "<" + bare + ">");
                    filterByHeader = true;
                }
                if (filterByHeader)
                {
                    var queueIds = byHeader.Select(e => e.QueueId!).Distinct();
                    query = query.Where(e => e.QueueId != null && queueIds.Contains(e.QueueId));
                }
                if (!string.IsNullOrWhiteSpace(queueId))
                    query = query.Where(e => e.QueueId == queueId.Trim());
                if (kind is { } k)
                    query = query.Where(e => e.Kind == k);
                var total = await query.CountAsync(ct);
                var items = await query.OrderByDescending(e => e.Time).ThenByDescending(e => e.Id).Skip((number - 1) * size).Take(size).ToListAsync(ct);
                return new TracePage(items, number, size, total);
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

        group.MapGet("/{queueId}", async Task<IResult> (string queueId, IDbContextFactory<MailflowDbContext> dbFactory, CancellationToken ct) =>
            {
                await using var db = await dbFactory.CreateDbContextAsync(ct);
                var events = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.QueueId == queueId)
                    .OrderBy(e => e.Time).ThenBy(e => e.Id).ToListAsync(ct);
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

    private static string? Lower(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim().ToLowerInvariant();
}
