namespace Mailflow.Cluster;

/// <summary>How much pressure a node's resources are under (Exchange's back pressure levels).</summary>
public enum BackPressureLevel
{
    /// <summary>Mail is accepted.</summary>
    Normal,
    /// <summary>Anonymous senders get <c>452 4.3.1</c>; authenticated submission goes on.</summary>
    Medium,
    /// <summary>Every new MAIL FROM gets <c>452 4.3.1</c> until the resource recovers.</summary>
    High,
}

/// <summary>The resources the back pressure monitor samples.</summary>
public enum BackPressureResource
{
    DiskSpace,
    Database,
    Memory,
    SubmissionBacklog,
}

/// <summary>One resource's level and the measurement behind it, in words (e.g. "free disk space in the data directory: 812 MB, below 1024 MB").</summary>
public sealed record BackPressureReading(BackPressureResource Resource, BackPressureLevel Level, string Description);

/// <summary>A node's back pressure: the worst resource's level, every reading, and since when the level holds.</summary>
public sealed record BackPressureState(BackPressureLevel Level, IReadOnlyList<BackPressureReading> Readings, DateTimeOffset Since, DateTimeOffset? SampledAt)
{
    /// <summary>Before the first sample, or with back pressure turned off.</summary>
    public static BackPressureState Unmeasured(DateTimeOffset now) => new(BackPressureLevel.Normal, [], now, null);

    /// <summary>The readings that set the level, joined ("" at Normal): what the 452 reply and the dashboard say.</summary>
    public string Why => Level == BackPressureLevel.Normal
        ? ""
        : string.Join("; ", Readings.Where(r => r.Level == Level).Select(r => r.Description));
}

/// <summary>This node's back pressure, for the dashboard (only a node running the SMTP engine has one).</summary>
public interface IBackPressureStatus
{
    BackPressureState Current { get; }
}
