namespace Mailflow.Configuration;

/// <summary>
/// How long the logs Mailflow writes are kept: by age in days and by total size. Defaults (Exchange's: 30 days)
/// in <see cref="LogRetentionDefaults"/>. A limit of 0 turns that limit off, except for
/// <see cref="CompletedMessageDays"/>, which always applies (a queue store that is never purged grows without end).
/// </summary>
public sealed class LogRetentionSettings
{
    /// <summary>Protocol log files older than this are deleted (Exchange's ProtocolLogMaxAge: 30 days).</summary>
    public int ProtocolLogMaxAgeDays { get; set; } = LogRetentionDefaults.ProtocolLogMaxAgeDays;
    /// <summary>The protocol log directory is kept under this size, oldest files deleted first (Exchange's ProtocolLogMaxDirectorySize: 250 MB).</summary>
    public int ProtocolLogMaxSizeMegabytes { get; set; } = LogRetentionDefaults.ProtocolLogMaxSizeMegabytes;
    /// <summary>Message tracking events older than this are deleted (Exchange's MessageTrackingLogMaxAge: 30 days).</summary>
    public int TrackingLogMaxAgeDays { get; set; } = LogRetentionDefaults.TrackingLogMaxAgeDays;
    /// <summary>At most this many tracking events are kept, oldest deleted first (the table's size cap; Exchange caps its directory at 1000 MB).</summary>
    public int TrackingLogMaxEvents { get; set; } = LogRetentionDefaults.TrackingLogMaxEvents;
    /// <summary>Cleared alerts older than this are deleted from the alert history.</summary>
    public int AlertHistoryMaxAgeDays { get; set; } = LogRetentionDefaults.AlertHistoryMaxAgeDays;
    /// <summary>
    /// Completed messages (every recipient delivered or failed for good) are deleted from the queue store, content and
    /// recipients with them, this many days after their last change (1 to 3,650; no "keep for ever": about 8 KB a message
    /// would pile up without end). Their tracking events stay under <see cref="TrackingLogMaxAgeDays"/>.
    /// </summary>
    public int CompletedMessageDays { get; set; } = LogRetentionDefaults.CompletedMessageDays;
}

/// <summary>The log retention defaults, in one place.</summary>
public static class LogRetentionDefaults
{
    public const int ProtocolLogMaxAgeDays = 30;
    public const int ProtocolLogMaxSizeMegabytes = 250;
    public const int TrackingLogMaxAgeDays = 30;
    public const int TrackingLogMaxEvents = 5_000_000;
    public const int AlertHistoryMaxAgeDays = 90;
    public const int CompletedMessageDays = 7;
    public const int CompletedMessageMaxDays = 3650;
}
