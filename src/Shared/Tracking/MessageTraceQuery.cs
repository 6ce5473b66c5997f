using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Tracking;

/// <summary>A page of single tracking events (<see cref="MessageTraceQuery.SearchEventsAsync"/>), newest first.</summary>
public sealed record TrackingEventPage(IReadOnlyList<MessageTrackingEvent> Items, int Total);

/// <summary>
/// The message trace read model, shared by the admin center (trace page, message details, CSV) and
/// <c>/api/v1/trace</c> and <c>/api/v1/messages/{id}</c>.
/// Message trace over the tracking events (indexed by time, queue id, Message-ID, sender and
/// recipients): first the newest matching events in the window name the messages, then every event
/// of those messages is loaded, so a timeline is complete even where only one event matched.
/// </summary>
public sealed class MessageTraceQuery(IDbContextFactory<MailflowDbContext> dbFactory)
{
    /// <summary>How many matching events are scanned to find up to MaxMessages distinct messages.</summary>
    private const int EventsPerMessage = 20;

    public async Task<IReadOnlyList<TracedMessage>> SearchAsync(MessageTraceSearch search, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var events = InWindowByEnvelope(db, search);
        if (Lower(search.Subject) is { } subject)
            events = events.Where(e => e.Subject != null && e.Subject.ToLower().Contains(subject));
        if (search.MessageOrQueueId?.Trim() is { Length: > 0 } id)
        {
            var bracketed = id.StartsWith('<') ? id : $"<{id}>";
            var bare = id.Trim('<', '>');
            events = events.Where(e => e.QueueId == id || e.InternetMessageId == bracketed || e.InternetMessageId == bare);
        }
        if (search.Kind is { } kind)
            events = events.Where(e => e.Kind == kind);

        var max = Math.Clamp(search.MaxMessages, 1, 1000);
        var hits = await events.OrderByDescending(e => e.Time).ThenByDescending(e => e.Id)
            .Select(e => new { e.QueueId, e.InternetMessageId })
            .Take(max * EventsPerMessage)
            .ToListAsync(cancellationToken);
        var queueIds = hits.Where(h => h.QueueId != null).Select(h => h.QueueId!).Distinct().Take(max).ToList();
        var messageIds = hits.Where(h => h.QueueId == null && h.InternetMessageId != null).Select(h => h.InternetMessageId!).Distinct().Take(max).ToList();

        var all = await db.MessageTrackingEvents.AsNoTracking()
            .Where(e => (e.QueueId != null && queueIds.Contains(e.QueueId)) || (e.QueueId == null && e.InternetMessageId != null && messageIds.Contains(e.InternetMessageId)))
            .OrderBy(e => e.Time).ThenBy(e => e.Id)
            .ToListAsync(cancellationToken);
        return Group(all).OrderByDescending(m => m.Events[^1].Time).Take(max).ToList();
    }

    /// <summary>One message's timeline: every tracking event of a queue id, oldest first (empty when there is none).</summary>
    public async Task<IReadOnlyList<MessageTrackingEvent>> TimelineAsync(string queueId, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.MessageTrackingEvents.AsNoTracking().Where(e => e.QueueId == queueId)
            .OrderBy(e => e.Time).ThenBy(e => e.Id).ToListAsync(cancellationToken);
    }

    /// <summary>
    /// Single events (not grouped by message), newest first, paged. Sender, recipient and kind select events;
    /// subject and Message-ID select messages — they are read from the headers after receipt, so the RECEIVE
    /// event lacks them — and every event of those messages in the window is returned.
    /// </summary>
    public async Task<TrackingEventPage> SearchEventsAsync(MessageTraceSearch search, string? queueId, int skip, int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = InWindowByEnvelope(db, search);
        var byHeader = db.MessageTrackingEvents.AsNoTracking().Where(e => e.Time >= search.From && e.Time <= search.To && e.QueueId != null);
        var filterByHeader = false;
        if (Lower(search.Subject) is { } subject)
        {
            byHeader = byHeader.Where(e => e.Subject != null && e.Subject.ToLower().Contains(subject));
            filterByHeader = true;
        }
        if (!string.IsNullOrWhiteSpace(search.MessageOrQueueId))
        {
            // The Message-ID with or without its angle brackets (RFC 5322 §3.6.4).
            var bare = search.MessageOrQueueId.Trim().Trim('<', '>');
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
        if (search.Kind is { } kind)
            query = query.Where(e => e.Kind == kind);
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(e => e.Time).ThenByDescending(e => e.Id).Skip(Math.Max(0, skip)).Take(Math.Max(1, take)).ToListAsync(cancellationToken);
        return new TrackingEventPage(items, total);
    }

    /// <summary>
    /// Refusals of the SMTP conversation (<see cref="SmtpRefusal.Any"/>), newest first, paged: the events
    /// the message view leaves out because no message was queued.
    /// </summary>
    public async Task<RefusalPage> SearchRefusalsAsync(RefusalSearch search, int skip, int take, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var query = db.MessageTrackingEvents.AsNoTracking().Where(e => e.Time >= search.From && e.Time <= search.To).Where(SmtpRefusal.Any);
        if (search.ClientAddress?.Trim() is { Length: > 0 } client)
            query = query.Where(e => e.RemoteHost != null && e.RemoteHost.StartsWith(client));
        if (Lower(search.Sender) is { } sender)
            query = query.Where(e => e.Sender.ToLower().Contains(sender));
        if (Lower(search.Recipient) is { } recipient)
            query = query.Where(e => e.Recipients.ToLower().Contains(recipient));
        if (Lower(search.Agent) is { } agent)
            query = query.Where(e => (e.Agent ?? e.Detail ?? "").ToLower().Contains(agent));
        var total = await query.CountAsync(cancellationToken);
        var items = await query.OrderByDescending(e => e.Time).ThenByDescending(e => e.Id)
            .Skip(Math.Max(0, skip)).Take(Math.Clamp(take, 1, MaxRefusals)).ToListAsync(cancellationToken);
        return new RefusalPage(items.Select(TracedRefusal.From).ToList(), total);
    }

    /// <summary>The most refusals one call returns (a page, or a CSV export).</summary>
    public const int MaxRefusals = 10_000;

    /// <summary>Groups events by message: the queue id when there is one, else the Message-ID.</summary>
    public static IEnumerable<TracedMessage> Group(IEnumerable<MessageTrackingEvent> events) =>
        events.GroupBy(e => e.QueueId ?? e.InternetMessageId ?? $"event-{e.Id}")
            .Select(g =>
            {
                var ordered = g.OrderBy(e => e.Time).ThenBy(e => e.Id).ToList();
                var first = ordered[0];
                return new TracedMessage(g.Key, first.QueueId, ordered.Select(e => e.InternetMessageId).FirstOrDefault(m => m != null),
                    first.Sender, ordered.Select(e => e.Subject).FirstOrDefault(s => s != null), ordered);
            });

    /// <summary>The events in the search's window whose sender and recipients contain the search's (case-insensitive).</summary>
    private static IQueryable<MessageTrackingEvent> InWindowByEnvelope(MailflowDbContext db, MessageTraceSearch search)
    {
        var events = db.MessageTrackingEvents.AsNoTracking().Where(e => e.Time >= search.From && e.Time <= search.To);
        if (Lower(search.Sender) is { } sender)
            events = events.Where(e => e.Sender.ToLower().Contains(sender));
        if (Lower(search.Recipient) is { } recipient)
            events = events.Where(e => e.Recipients.ToLower().Contains(recipient));
        return events;
    }

    private static string? Lower(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim().ToLowerInvariant();
}
