namespace Mailflow.Admin.Web.Components.Pages.Queues;

/// <summary>The actions the queue viewer offers on one message, a selection, or everything matching the filter.</summary>
public enum QueueAction
{
    RetryNow,
    Suspend,
    Resume,
    Release,
    RemoveWithNdr,
    RemoveSilently,
}
