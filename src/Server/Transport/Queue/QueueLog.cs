using Microsoft.Extensions.Logging;

namespace Mailflow.Server.Transport.Queue;

/// <summary>Queue stage log events: 4000–4999.</summary>
internal static partial class QueueLog
{
    [LoggerMessage(4000, LogLevel.Debug, "Queued {QueueId} from <{Sender}> for {RecipientCount} recipient(s), {Size} bytes")]
    public static partial void MessageQueued(ILogger logger, string queueId, string sender, int recipientCount, long size);

    [LoggerMessage(4001, LogLevel.Warning, "Storing a message from <{Sender}> ({Size} bytes) failed; the client gets a temporary failure")]
    public static partial void CommitFailed(ILogger logger, string sender, long size, Exception exception);

    [LoggerMessage(4002, LogLevel.Debug, "Discarded an unfinished message from <{Sender}> after {Size} bytes")]
    public static partial void TransactionAborted(ILogger logger, string sender, long size);

    [LoggerMessage(4003, LogLevel.Debug, "Committed a batch of {Count} message(s) in one store transaction")]
    public static partial void BatchCommitted(ILogger logger, int count);

    [LoggerMessage(4004, LogLevel.Warning, "A batch of {Count} message(s) failed to commit; retrying each message on its own")]
    public static partial void BatchFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(4005, LogLevel.Warning, "A batch of {Count} bookkeeping write(s) failed to commit; retrying each write on its own")]
    public static partial void BookkeepingBatchFailed(ILogger logger, int count, Exception exception);

    [LoggerMessage(4010, LogLevel.Debug, "{Owner} claimed {Count} message(s) until {LeaseUntil:O}")]
    public static partial void Claimed(ILogger logger, string owner, int count, DateTimeOffset leaseUntil);

    [LoggerMessage(4011, LogLevel.Warning, "Lease on message {MessageId} was lost before {Operation}: another claimer owns it now")]
    public static partial void LeaseLost(ILogger logger, long messageId, string operation);

    [LoggerMessage(4012, LogLevel.Error, "Message {QueueId} crashed its worker {CrashCount} times and was moved to the Poison queue; resume or remove it in the queue viewer")]
    public static partial void Poisoned(ILogger logger, string queueId, int crashCount);
}

// Queue manager log events: 4100–4199 (next free: 4106).
internal static partial class QueueLog
{
    [LoggerMessage(4100, LogLevel.Information, "Queue manager {Owner} started")]
    public static partial void ManagerStarted(ILogger logger, string owner);

    [LoggerMessage(4101, LogLevel.Error, "The queue manager loop failed; retrying shortly")]
    public static partial void LoopFailed(ILogger logger, Exception exception);

    [LoggerMessage(4102, LogLevel.Error, "Delivering {QueueId} failed unexpectedly; its due recipients are deferred")]
    public static partial void WorkerFailed(ILogger logger, string queueId, Exception exception);

    [LoggerMessage(4103, LogLevel.Warning, "Releasing message {MessageId} failed; it becomes claimable when its lease ends")]
    public static partial void ReleaseFailed(ILogger logger, long messageId, Exception exception);

    [LoggerMessage(4104, LogLevel.Warning, "Renewing the lease on message {MessageId} failed")]
    public static partial void RenewFailed(ILogger logger, long messageId, Exception exception);

    [LoggerMessage(4105, LogLevel.Information, "Configuration generation {Generation}: {Count} message(s) sent back to routing")]
    public static partial void Resubmitted(ILogger logger, int count, long generation);
}
