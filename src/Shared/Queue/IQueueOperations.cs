using Mailflow.Configuration;
using Mailflow.Tracking;

namespace Mailflow.Queue;

/// <summary>What an administrator sees of a delivery queue (one next hop).</summary>
public enum NextHopQueueStatus
{
    /// <summary>A delivery to it is under way.</summary>
    Active,
    /// <summary>Everything in it waits for a retry time.</summary>
    Retry,
    /// <summary>An administrator suspended it.</summary>
    Suspended,
    /// <summary>Work is due and waits for a free worker.</summary>
    Ready,
}

/// <summary>Exchange's queue types: a delivery queue per next hop, and the Submission, Unreachable and Poison queues.</summary>
public enum NextHopQueueKind
{
    Delivery,
    /// <summary>Messages accepted but not yet categorized (no next hop yet).</summary>
    Submission,
    /// <summary>Recipients with no route (no send connector or mailbox target matches).</summary>
    Unreachable,
    /// <summary>Messages that crashed processing twice (<see cref="QueuedMessageState.Poison"/>).</summary>
    Poison,
}

/// <param name="NextHopKey">The queue's key (stays in URLs and the API); empty for the Submission and Poison queues.</param>
/// <param name="Name">What people read: the send connector's name and where it sends (<see cref="NextHopDisplay"/>).</param>
/// <param name="LastError">The most recent temporary or permanent failure reply in this queue.</param>
/// <param name="LastErrorAt">When that reply came.</param>
/// <param name="LastErrorAttempts">How many attempts the recipient with that reply has had.</param>
/// <param name="OldestQueuedAt">When the oldest message in this queue was accepted ("waiting since").</param>
/// <param name="DeliveringNodes">The nodes delivering from this queue right now.</param>
public sealed record NextHopQueueSummary(
    string NextHopKey,
    int MessageCount,
    int RecipientCount,
    NextHopQueueStatus Status,
    DateTimeOffset? NextRetryAt,
    string? LastError,
    NextHopQueueKind Kind = NextHopQueueKind.Delivery,
    NextHopName? Name = null,
    DateTimeOffset? LastErrorAt = null,
    int LastErrorAttempts = 0,
    DateTimeOffset? OldestQueuedAt = null,
    IReadOnlyList<string>? DeliveringNodes = null)
{
    /// <summary>The display name, or the key when no snapshot named it.</summary>
    public string DisplayName => Name?.Name ?? NextHopKey;
}

/// <summary>One node's share of the queue (Exchange's <c>Get-QueueDigest</c> across servers).</summary>
/// <param name="Queued">Messages this node accepted that are still queued.</param>
/// <param name="Delivering">Messages this node holds a lease on right now.</param>
/// <param name="LastHeartbeat">The node registry's last heartbeat; null for a node that is not registered (any more).</param>
public sealed record QueueDigestNode(string Node, int Queued, int Delivering, DateTimeOffset? LastHeartbeat);

/// <summary>Every queue across all nodes: totals by operator status, and per node.</summary>
public sealed record QueueDigest(IReadOnlyDictionary<QueueMessageStatus, int> ByStatus, IReadOnlyList<QueueDigestNode> Nodes)
{
    public int Total => ByStatus.Where(s => s.Key != QueueMessageStatus.Completed).Sum(s => s.Value);
}

/// <summary>One message for the details view: envelope, per-recipient state and its trace.</summary>
public sealed record QueuedMessageDetails(QueuedMessage Message, IReadOnlyList<MessageTrackingEvent> Events);

/// <summary>
/// Queue operations for the admin center and the REST API (style guideline 14: the UI never touches
/// engine internals). Every action checks the actor's role (Organization Management), is audited, and
/// wakes the queue manager. Actions on a set of messages return how many they changed.
/// </summary>
/// <exception cref="ConfigurationForbiddenException">The actor may not manage the queue.</exception>
public interface IQueueOperations
{
    /// <summary>Every delivery queue with its display name, plus the Submission and Poison queues when they hold messages.</summary>
    Task<IReadOnlyList<NextHopQueueSummary>> ListQueuesAsync(CancellationToken cancellationToken = default);
    /// <summary>The queue digest across all nodes.</summary>
    Task<QueueDigest> GetDigestAsync(CancellationToken cancellationToken = default);
    Task<QueueMessagePage> ListMessagesAsync(QueueMessageQuery query, CancellationToken cancellationToken = default);
    /// <summary>How many messages the filter selects (what a filter-wide action would consider).</summary>
    Task<int> CountMessagesAsync(QueueMessageFilter filter, CancellationToken cancellationToken = default);
    Task<QueuedMessageDetails?> GetMessageAsync(string queueId, CancellationToken cancellationToken = default);

    /// <summary>
    /// The one queue action dispatcher for a set of messages by queue id (the admin center's buttons and
    /// <c>/api/v1/messages</c> alike). Messages in a state the action does not apply to are left alone;
    /// removal with NDR sends the sender a failure NDR (5.3.0, removed by an administrator) for every
    /// recipient not yet delivered.
    /// </summary>
    /// <returns>How many messages changed.</returns>
    Task<int> ApplyAsync(AdminActor actor, QueueAction action, IReadOnlyCollection<string> queueIds, CancellationToken cancellationToken = default);

    /// <summary>
    /// Applies <paramref name="action"/> to every message the filter selects, set-based (one UPDATE or
    /// DELETE per step, not one per message), audited as one entry naming the filter and the count.
    /// Messages in a state the action does not apply to are left alone. Remove with NDR builds one NDR
    /// per message, so it works through the matching messages in batches.
    /// </summary>
    /// <returns>How many messages changed.</returns>
    Task<int> ApplyToMatchingAsync(AdminActor actor, QueueMessageFilter filter, QueueAction action, CancellationToken cancellationToken = default);

    Task SuspendQueueAsync(AdminActor actor, string nextHopKey, CancellationToken cancellationToken = default);
    Task<int> ResumeQueueAsync(AdminActor actor, string nextHopKey, CancellationToken cancellationToken = default);
    Task<int> RetryQueueAsync(AdminActor actor, string nextHopKey, CancellationToken cancellationToken = default);

    /// <summary>The stored message as .eml (exactly the stored bytes); null when it is not in the queue. Audited: content is personal data.</summary>
    Task<Stream?> ExportAsync(AdminActor actor, string queueId, CancellationToken cancellationToken = default);
}
