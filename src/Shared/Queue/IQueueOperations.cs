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

/// <param name="LastError">The most recent temporary or permanent failure reply in this queue.</param>
public sealed record NextHopQueueSummary(
    string NextHopKey,
    int MessageCount,
    int RecipientCount,
    NextHopQueueStatus Status,
    DateTimeOffset? NextRetryAt,
    string? LastError);

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
    Task<IReadOnlyList<NextHopQueueSummary>> ListQueuesAsync(CancellationToken cancellationToken = default);
    Task<QueueMessagePage> ListMessagesAsync(QueueMessageQuery query, CancellationToken cancellationToken = default);
    /// <summary>How many messages the filter selects (what a filter-wide action would consider).</summary>
    Task<int> CountMessagesAsync(QueueMessageFilter filter, CancellationToken cancellationToken = default);
    Task<QueuedMessageDetails?> GetMessageAsync(string queueId, CancellationToken cancellationToken = default);

    Task<int> SuspendAsync(AdminActor actor, IReadOnlyCollection<string> queueIds, CancellationToken cancellationToken = default);
    Task<int> ResumeAsync(AdminActor actor, IReadOnlyCollection<string> queueIds, CancellationToken cancellationToken = default);
    Task<int> RetryNowAsync(AdminActor actor, IReadOnlyCollection<string> queueIds, CancellationToken cancellationToken = default);
    /// <param name="sendNdr">Send the sender a failure NDR (5.3.0, removed by an administrator) for every recipient not yet delivered.</param>
    Task<int> RemoveAsync(AdminActor actor, IReadOnlyCollection<string> queueIds, bool sendNdr, CancellationToken cancellationToken = default);
    Task<int> ReleaseFromQuarantineAsync(AdminActor actor, IReadOnlyCollection<string> queueIds, CancellationToken cancellationToken = default);

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
