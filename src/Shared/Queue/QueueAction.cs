using System.Text.Json.Serialization;

namespace Mailflow.Queue;

/// <summary>
/// What an admin can do to queued messages: one, a selection, or everything matching a filter. The one
/// action vocabulary of the admin center, <c>/api/v1/messages</c> and <see cref="IQueueOperations"/>.
/// On the API's wire a removal is <c>Remove</c> with <c>ndr</c> saying whether the senders hear of it
/// (<see cref="QueueActions.WithNdr"/>), and retrying is <c>Retry</c>.
/// </summary>
public enum QueueAction
{
    [JsonStringEnumMemberName("Retry")]
    RetryNow,
    Suspend,
    Resume,
    Release,
    RemoveWithNdr,
    [JsonStringEnumMemberName("Remove")]
    RemoveSilently,
}

public static class QueueActions
{
    /// <summary>A removal with <paramref name="ndr"/> set sends the senders an NDR; other actions ignore the flag.</summary>
    public static QueueAction WithNdr(this QueueAction action, bool ndr) =>
        action == QueueAction.RemoveSilently && ndr ? QueueAction.RemoveWithNdr : action;

}
