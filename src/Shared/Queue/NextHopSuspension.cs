namespace Mailflow.Queue;

/// <summary>
/// A delivery queue (next hop) an administrator suspended: its recipients are not attempted until
/// the row is removed (resume). Messages keep their other next hops moving; suspended recipients
/// still expire (Exchange behaves the same: suspension does not stop the expiration clock).
/// </summary>
public sealed class NextHopSuspension
{
    /// <summary>The next hop key (<see cref="QueuedRecipient.NextHopKey"/>).</summary>
    public string NextHopKey { get; set; } = "";
    public DateTimeOffset SuspendedAt { get; set; }
    public string SuspendedBy { get; set; } = "";
}
