namespace Mailflow.Server.Transport.Tracking;

/// <summary>Message tracking log events: 6500–6599 (next free: 6503).</summary>
internal static partial class TrackingLog
{
    [LoggerMessage(6500, LogLevel.Warning, "Message tracking is behind: {Dropped} event(s) dropped so far because the in-memory queue was full")]
    public static partial void EventsDropped(ILogger logger, long dropped);

    [LoggerMessage(6501, LogLevel.Warning, "Writing a message tracking event failed; {Lost} event(s) lost from the trace so far (the queue itself is unaffected)")]
    public static partial void WriteFailed(ILogger logger, long lost, Exception exception);

    [LoggerMessage(6502, LogLevel.Warning, "Writing a batch of {Count} message tracking events failed; writing them one by one")]
    public static partial void BatchFailed(ILogger logger, int count, Exception exception);
}
