using Microsoft.EntityFrameworkCore;

namespace Mailflow.Queue;

/// <summary>EF mapping of the queue tables, and the column limits writers must respect.</summary>
public static class QueueModel
{
    /// <summary>RFC 5321 §4.5.3.1.3 caps a path at 256 octets; RFC 3461 §4.2 caps ORCPT at 500 characters. 512 covers both.</summary>
    public const int AddressLength = 512;
    /// <summary>RFC 5322 §2.1.1: a header line is at most 998 characters.</summary>
    public const int HeaderSummaryLength = 998;
    /// <summary>Remote replies can be multi-line; the stored copy is cut to this.</summary>
    public const int ResponseLength = 2000;

    public static void Configure(ModelBuilder b)
    {
        b.Entity<QueuedMessage>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.QueueId).HasMaxLength(32).IsRequired();
            e.HasIndex(x => x.QueueId).IsUnique();
            e.Property(x => x.State).HasConversion<string>().HasMaxLength(32);
            // A number, so claims can ORDER BY it.
            e.Property(x => x.Priority).HasConversion<int>();
            e.Property(x => x.Sender).HasMaxLength(AddressLength).IsRequired();
            e.Property(x => x.BodyType).HasConversion<string>().HasMaxLength(16);
            e.Property(x => x.DsnReturn).HasConversion<string>().HasMaxLength(16);
            // RFC 3461 §4.4: ENVID is at most 100 characters.
            e.Property(x => x.DsnEnvelopeId).HasMaxLength(128);
            e.Property(x => x.ClientAddress).HasMaxLength(64).IsRequired();
            e.Property(x => x.LocalEndPoint).HasMaxLength(80).IsRequired();
            e.Property(x => x.HeloName).HasMaxLength(AddressLength).IsRequired();
            e.Property(x => x.AuthenticatedAs).HasMaxLength(AddressLength);
            e.Property(x => x.TlsProtocol).HasMaxLength(32);
            e.Property(x => x.TlsCipher).HasMaxLength(128);
            e.Property(x => x.ReceiveConnectorName).HasMaxLength(128).IsRequired();
            e.Property(x => x.ReceivingNode).HasMaxLength(128).IsRequired();
            e.Property(x => x.ContentSha256).HasMaxLength(64).IsFixedLength().IsRequired();
            e.Property(x => x.Subject).HasMaxLength(HeaderSummaryLength);
            e.Property(x => x.FromHeader).HasMaxLength(HeaderSummaryLength);
            e.Property(x => x.MessageIdHeader).HasMaxLength(HeaderSummaryLength);
            e.Property(x => x.LeaseOwner).HasMaxLength(128);

            // Claims: workable state, due, by priority. The queue viewer: by state and by arrival.
            e.HasIndex(x => new { x.State, x.NextAttemptAt });
            e.HasIndex(x => x.ReceivedAt);
            e.HasIndex(x => x.LeaseToken);
            // The queue viewer's other sort columns (100,000 queued messages must page without a full sort).
            e.HasIndex(x => x.Sender);
            e.HasIndex(x => x.Size);
            e.HasIndex(x => x.Subject);

            e.HasMany(x => x.Recipients).WithOne(x => x.Message).HasForeignKey(x => x.MessageId).OnDelete(DeleteBehavior.Cascade);
            e.HasOne<MessageContent>().WithOne().HasForeignKey<MessageContent>(x => x.MessageId).OnDelete(DeleteBehavior.Cascade);
        });

        b.Entity<QueuedRecipient>(e =>
        {
            e.HasKey(x => x.Id);
            e.Property(x => x.Address).HasMaxLength(AddressLength).IsRequired();
            e.Property(x => x.OriginalRecipient).HasMaxLength(AddressLength);
            e.Property(x => x.Notify).HasConversion<string>().HasMaxLength(64);
            e.Property(x => x.Status).HasConversion<string>().HasMaxLength(32);
            e.Property(x => x.LastResponse).HasMaxLength(ResponseLength);
            e.Property(x => x.LastRemoteHost).HasMaxLength(255);
            e.Property(x => x.NextHopKey).HasMaxLength(AddressLength);
            e.HasIndex(x => new { x.Status, x.NextRetryAt });
            e.HasIndex(x => x.NextHopKey);
        });

        b.Entity<NextHopSuspension>(e =>
        {
            e.HasKey(x => x.NextHopKey);
            e.Property(x => x.NextHopKey).HasMaxLength(AddressLength);
            e.Property(x => x.SuspendedBy).HasMaxLength(256).IsRequired();
        });

        b.Entity<MessageContent>(e =>
        {
            e.HasKey(x => x.MessageId);
            e.Property(x => x.MessageId).ValueGeneratedNever();
            e.Property(x => x.Data).IsRequired();
        });
    }
}
