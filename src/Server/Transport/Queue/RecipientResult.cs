using Mailflow.Queue;

namespace Mailflow.Server.Transport.Queue;

/// <summary>What one delivery attempt did to one recipient, as <see cref="QueueStore.RecordOutcomesAsync"/> writes it.</summary>
/// <param name="RetryAt">When to try again; only for <see cref="QueuedRecipientStatus.TemporaryFailure"/>.</param>
public sealed record RecipientResult(long RecipientId, QueuedRecipientStatus Status, DeliveryResponse Response, DateTimeOffset? RetryAt = null);
