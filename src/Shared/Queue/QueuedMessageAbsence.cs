namespace Mailflow.Queue;

/// <summary>
/// What the admin center and the API say when a queue id is no longer in the store: completed messages are deleted
/// after the completed-message retention (<see cref="Mailflow.Configuration.LogRetentionSettings.CompletedMessageDays"/>)
/// or an administrator removed the message, while its tracking events stay under their own retention.
/// </summary>
public static class QueuedMessageAbsence
{
    public static string Text(string queueId) =>
        $"Message {queueId} and its content are no longer kept in the queue: completed messages are deleted after the completed-message retention " +
        "(Log retention), or an administrator removed it. Its tracking events stay in the message trace as long as message tracking keeps them.";
}
