using Mailflow.Tracking;

namespace Mailflow.Admin.Web.Tracking;

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

/// <summary>One traced message: its identity and every tracking event recorded for it, in time order.</summary>
public sealed record TracedMessage(string Key, string? QueueId, string? InternetMessageId, string Sender, string? Subject, IReadOnlyList<MessageTrackingEvent> Events)
{
    /// <summary>The newest event's kind: what happened to the message last.</summary>
    public MessageTrackingEventKind LastKind => Events[^1].Kind;
    public DateTimeOffset FirstSeen => Events[0].Time;
}
