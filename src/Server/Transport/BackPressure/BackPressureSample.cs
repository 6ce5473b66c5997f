namespace Mailflow.Server.Transport.BackPressure;

/// <summary>One measurement of the node's resources; a null value could not be measured (and does not count).</summary>
/// <param name="DiskFreeBytes">Free space of the file system holding the data directory.</param>
/// <param name="DatabaseReachable">Whether the store answered the backlog query in time.</param>
/// <param name="MemoryPercent">The process's working set in percent of the memory available to it.</param>
/// <param name="SubmissionBacklog">Messages in the Submission queue (received, not yet categorized).</param>
public sealed record BackPressureSample(long? DiskFreeBytes, bool DatabaseReachable, double? MemoryPercent, int? SubmissionBacklog);
