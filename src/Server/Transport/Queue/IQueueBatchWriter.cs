namespace Mailflow.Server.Transport.Queue;

/// <summary>Writes a batch of messages in one store transaction: when it returns, every message is committed; when it throws, none is.</summary>
internal interface IQueueBatchWriter
{
    Task WriteAsync(IReadOnlyList<PendingCommit> batch, CancellationToken cancellationToken);
}
