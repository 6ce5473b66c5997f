namespace Mailflow.Server.Transport.Queue;

/// <summary>Delivery scheduling limits from <c>Mailflow:Queue</c> in appsettings.json.</summary>
public sealed class QueueManagerOptions
{
    public const string Section = "Mailflow:Queue";

    /// <summary>Messages this node works on at once (the "leaky bucket" bound, style guideline 7). Postfix's qmgr_message_active_limit is 20000 for the whole queue; this bounds concurrent work, not the queue.</summary>
    public int MaxMessagesInFlight { get; set; } = 100;
    /// <summary>Messages claimed per store round trip (and next hop).</summary>
    public int ClaimBatchSize { get; set; } = 20;
    /// <summary>
    /// Messages claimed for a next hop beyond its free connection slots, so the next one is at hand when a
    /// delivery ends. Everything claimed is held by this node (another node takes it over only when this one
    /// dies), so the queue manager claims no more than it can send now plus this.
    /// </summary>
    public int ClaimPrefetchPerNextHop { get; set; } = 4;
    /// <summary>Next hops with due work looked at per claim pass.</summary>
    public int NextHopsPerPass { get; set; } = 64;
    /// <summary>How long a claim lasts before another worker may take the message (Stalwart LOCK_EXPIRY = 300 s); renewed every third of it while the delivery runs.</summary>
    public int LeaseSeconds { get; set; } = 300;
    /// <summary>Safety-net wake-up when no signal and no due time arrives (another node may have queued work on a shared PostgreSQL store).</summary>
    public int IdlePollSeconds { get; set; } = 30;
    /// <summary>Lease owner name; empty = "&lt;node&gt;/&lt;process id&gt;".</summary>
    public string OwnerName { get; set; } = "";
}
