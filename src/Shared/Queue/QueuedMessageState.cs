namespace Mailflow.Queue;

/// <summary>
/// Where a queued message is in the mail flow. Stored by name, so later stages can add states
/// (Unreachable, Quarantined, …) without renumbering. Claims only pick up messages in a workable state.
/// </summary>
public enum QueuedMessageState
{
    /// <summary>Durably accepted (the client got its 250); waiting for the categorizer.</summary>
    Submitted,
    /// <summary>Recipients resolved, rules applied, next hops set; waiting for delivery.</summary>
    Categorized,
    /// <summary>Held by an administrator: never claimed until resumed.</summary>
    Suspended,
    /// <summary>Every recipient reached a final status (delivered or failed); kept for the queue viewer until cleaned up.</summary>
    Completed,
    /// <summary>Held by a mail flow rule until an administrator releases or deletes it; never claimed.</summary>
    Quarantined,
    /// <summary>
    /// Processing it crashed the worker <see cref="QueuedMessage.PoisonThreshold"/> times (Exchange's poison message
    /// queue): never claimed again until an administrator resumes (retries) or removes it.
    /// </summary>
    Poison,
}
