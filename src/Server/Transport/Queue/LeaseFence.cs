using Mailflow.Data;
using Mailflow.Queue;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// The lease fence for EF queries: a write under a lease touches rows only while the message still
/// carries the lease's token, checked in the same statement. The plain-SQL writes of the hot path use
/// the same condition, built once in <see cref="LeaseFencedCommands"/>.
/// </summary>
internal static class LeaseFence
{
    /// <summary>The leased message's row, only while <paramref name="lease"/> holds.</summary>
    public static IQueryable<QueuedMessage> Message(MailflowDbContext db, QueueLease lease) =>
        db.QueuedMessages.Where(m => m.Id == lease.MessageId && m.LeaseToken == lease.Token);

    /// <summary>The leased message's recipient rows, only while <paramref name="lease"/> holds.</summary>
    public static IQueryable<QueuedRecipient> Recipients(MailflowDbContext db, QueueLease lease)
    {
        var held = Message(db, lease);
        return db.QueuedRecipients.Where(r => r.MessageId == lease.MessageId && held.Any());
    }
}
