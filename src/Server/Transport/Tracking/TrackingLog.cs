namespace Mailflow.Server.Transport.Tracking;

/// <summary>Message tracking log events: 6500–6599 (next free: 6502).</summary>
internal static partial class TrackingLog
{
    [LoggerMessage(6500, LogLevel.Warning, "Message tracking is behind: {Dropped} event(s) dropped so far because the in-memory queue was full")]
    public static partial void EventsDropped(ILogger logger, long dropped);

    [LoggerMessage(6501, LogLevel.Warning, "Writing {Count} message tracking event(s) failed; they are lost from the trace (the queue itself is unaffected)")]
    public static partial void WriteFailed(ILogger logger, int count, Exception exception);
}
