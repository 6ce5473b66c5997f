namespace Mailflow.Queue;

/// <summary>What an admin can do to queued messages: one, a selection, or everything matching a filter.</summary>
public enum QueueAction
{
    RetryNow,
    Suspend,
    Resume,
    Release,
    RemoveWithNdr,
    RemoveSilently,
}
