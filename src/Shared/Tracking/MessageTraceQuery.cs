using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Tracking;

/// <summary>
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
        var events = db.MessageTrackingEvents.AsNoTracking().Where(e => e.Time >= search.From && e.Time <= search.To);
        if (Lower(search.Sender) is { } sender)
            events = events.Where(e => e.Sender.ToLower().Contains(sender));
        if (Lower(search.Recipient) is { } recipient)
            events = events.Where(e => e.Recipients.ToLower().Contains(recipient));
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

    private static string? Lower(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim().ToLowerInvariant();
}
