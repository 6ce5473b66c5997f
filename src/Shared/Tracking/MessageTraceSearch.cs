
namespace Mailflow.Tracking;

/// <summary>What the message trace searches for. Text filters match case-insensitively anywhere in the value; <see cref="MessageOrQueueId"/> matches exactly.</summary>
public sealed record MessageTraceSearch
{
    public string? Sender { get; init; }
    public string? Recipient { get; init; }
    public string? Subject { get; init; }
    /// <summary>An Internet Message-ID (with or without angle brackets) or a Mailflow queue id.</summary>
    public string? MessageOrQueueId { get; init; }
    public DateTimeOffset From { get; init; }
    public DateTimeOffset To { get; init; }
    /// <summary>Only messages that have an event of this kind in the window (e.g. Fail, Defer, Deliver).</summary>
    public MessageTrackingEventKind? Kind { get; init; }
    public int MaxMessages { get; init; } = 100;
}

/// <summary>The trace search as the export endpoints and the API take it from a query string.</summary>
public static class MessageTraceSearches
{
    /// <summary>Without a window, the last 24 hours (the trace page's default).</summary>
    public static readonly TimeSpan DefaultWindow = TimeSpan.FromHours(24);

    public static MessageTraceSearch From(DateTimeOffset now, string? sender, string? recipient, string? subject, string? id,
        MessageTrackingEventKind? kind, DateTimeOffset? from, DateTimeOffset? to, int? maxMessages = null)
    {
        var until = to ?? now.AddMinutes(1);
        return new MessageTraceSearch
        {
            Sender = sender,
            Recipient = recipient,
            Subject = subject,
            MessageOrQueueId = id,
            Kind = kind,
            From = from ?? until - DefaultWindow,
            To = until,
            MaxMessages = Math.Clamp(maxMessages ?? 100, 1, 1000),
        };
    }
}
