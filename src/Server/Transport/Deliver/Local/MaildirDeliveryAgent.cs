using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Transport.Queue;

namespace Mailflow.Server.Transport.Deliver.Local;

/// <summary>
/// Local delivery into each mailbox recipient's Maildir (<see cref="Recipient.DeliveryTarget"/>,
/// relative to the node's data directory unless absolute, and always inside the mail root: <see cref="MaildirLocation"/>). Recipients arrive here resolved to their
/// mailbox's address by the categorizer; one that no longer names a Maildir mailbox fails with
/// 5.1.1, a write failure (disk full, permissions) defers it. A message that does not fit in the
/// mailbox's quota (<see cref="MailboxQuota"/>, sizes from <see cref="MaildirUsage"/>) is deferred
/// with 4.2.2, retried as the organization's retry policy says, and bounced with 5.2.2 when it expires.
/// </summary>
public sealed class MaildirDeliveryAgent(
    TransportConfigProvider config,
    MaildirLocation maildirs,
    MaildirUsage usage,
    TimeProvider time,
    ILogger<MaildirDeliveryAgent> logger) : IDeliveryAgent
{
    public DeliveryTargetKind Kind => DeliveryTargetKind.Maildir;

    public async Task<IReadOnlyList<RecipientOutcome>> DeliverAsync(DeliveryBatch batch, CancellationToken cancellationToken)
    {
        var snapshot = config.Current;
        var outcomes = new List<RecipientOutcome>(batch.Recipients.Count);
        foreach (var recipient in batch.Recipients)
        {
            var mailbox = snapshot.FindRecipient(recipient.Address);
            if (mailbox is not { Kind: RecipientKind.Mailbox, DeliveryKind: MailboxDeliveryKind.Maildir } || string.IsNullOrWhiteSpace(mailbox.DeliveryTarget))
            {
                outcomes.Add(new RecipientOutcome(recipient, RecipientOutcomeKind.Permanent, DeliveryReplies.MailboxUnknown(recipient.Address)));
                continue;
            }
            // Checked again here: a symbolic link may have been planted after the target was saved.
            if (maildirs.Resolve(mailbox.DeliveryTarget, out var refusal) is not { } path)
            {
                DeliverLog.MaildirOutsideRoot(logger, batch.Message.QueueId, recipient.Address, refusal!);
                outcomes.Add(new RecipientOutcome(recipient, RecipientOutcomeKind.Transient, DeliveryReplies.LocalDeliveryFailed("the mailbox folder is outside the mail root")));
                continue;
            }
            if (MailboxQuota.LimitOf(mailbox, snapshot.Organization) is { } limit && usage.UsedBytes(path) + batch.Message.Size > limit)
            {
                outcomes.Add(new RecipientOutcome(recipient, RecipientOutcomeKind.Transient, DeliveryReplies.MailboxFull(usage.UsedBytes(path), limit), "maildir"));
                continue;
            }
            outcomes.Add(await DeliverOneAsync(batch, recipient, path, cancellationToken));
        }
        return outcomes;
    }

    private async Task<RecipientOutcome> DeliverOneAsync(DeliveryBatch batch, QueuedRecipient recipient, string maildir, CancellationToken cancellationToken)
    {
        try
        {
            await using var content = await batch.OpenContent(cancellationToken);
            if (content is null)
                return new RecipientOutcome(recipient, RecipientOutcomeKind.Transient, DeliveryReplies.ContentMissing());
            var file = await MaildirWriter.DeliverAsync(maildir, batch.Message.Sender, recipient.Address, content, time.GetUtcNow(), cancellationToken);
            usage.Added(maildir, new FileInfo(file).Length);
            DeliverLog.MaildirDelivered(logger, batch.Message.QueueId, file, recipient.Address);
            return new RecipientOutcome(recipient, RecipientOutcomeKind.Delivered, new DeliveryReply(250, "2.0.0", "Delivered to the mailbox"), "maildir");
        }
        catch (Exception exception) when ((exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested) && exception is not StoreUnavailableException)
        {
            DeliverLog.MaildirFailed(logger, batch.Message.QueueId, recipient.Address, exception);
            return new RecipientOutcome(recipient, RecipientOutcomeKind.Transient, DeliveryReplies.LocalDeliveryFailed("could not write to the mailbox"));
        }
    }
}
