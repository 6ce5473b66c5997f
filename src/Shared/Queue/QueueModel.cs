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

    /// <param name="postgres">Add PostgreSQL's trigram indexes for the viewer's substring filters (pg_trgm ships with Debian's
    /// postgresql package and is a trusted extension since PostgreSQL 13: the database's owner may create it).</param>
    public static void Configure(ModelBuilder b, bool postgres)
    {
        if (postgres)
            b.HasPostgresExtension("pg_trgm");

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

            // Claims: workable state, due, by priority; also the viewer's count by state.
            e.HasIndex(x => new { x.State, x.NextAttemptAt });
            e.HasIndex(x => x.LeaseToken);
            // The few messages under a lease (the queue list's "Active"; the claim loop's next lease expiry).
            e.HasIndex(x => new { x.State, x.LeaseUntil });
            // The queue viewer's sort columns, each with the Id tie-breaker, so 100,000 queued messages page
            // from the index without a sort (QueueQueries). SQLite's sender/subject filters scan these too.
            e.HasIndex(x => new { x.ReceivedAt, x.Id });
            e.HasIndex(x => new { x.Sender, x.Id });
            e.HasIndex(x => new { x.Size, x.Id });
            e.HasIndex(x => new { x.Subject, x.Id });
            e.HasIndex(x => new { x.NextAttemptAt, x.Id });
            // The queue digest's messages per receiving node and state, from the index alone.
            e.HasIndex(x => new { x.ReceivingNode, x.State });
            if (postgres)
            {
                // "Contains" filters (ILIKE '%text%') without reading every row.
                e.HasIndex(x => x.Sender, "IX_QueuedMessages_Sender_Trigram").HasMethod("gin").HasOperators("gin_trgm_ops");
                e.HasIndex(x => x.Subject, "IX_QueuedMessages_Subject_Trigram").HasMethod("gin").HasOperators("gin_trgm_ops");
            }

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
            // One queue's messages (the viewer's drill-down, retry/resume of a queue) and the queue list's per-hop
            // counts, due and next retry, from the index alone.
            e.HasIndex(x => new { x.NextHopKey, x.Status, x.NextRetryAt, x.MessageId });
            // The queue list's last error per queue: the newest attempt of a hop, walked from the end.
            e.HasIndex(x => new { x.NextHopKey, x.Status, x.LastAttemptAt });
            // Also the foreign key's index; on SQLite the recipient filter scans it instead of the table.
            e.HasIndex(x => new { x.MessageId, x.Address });
            if (postgres)
                e.HasIndex(x => x.Address, "IX_QueuedRecipients_Address_Trigram").HasMethod("gin").HasOperators("gin_trgm_ops");
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
