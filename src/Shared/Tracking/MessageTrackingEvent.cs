using Microsoft.EntityFrameworkCore;

namespace Mailflow.Tracking;

/// <summary>
/// One row of the message trace: what happened to a message (or to some of its recipients) at one
/// step, on which node, when. Written by every stage through the tracker; searched by the admin
/// center by sender, recipient, subject, message id, queue id and time, and shown as one message's
/// timeline (all rows of one queue id, by time).
/// </summary>
public sealed class MessageTrackingEvent
{
    /// <summary>Cut lengths: the trace is a record for people, not a copy of the message.</summary>
    public const int AddressLength = 512;
    public const int RecipientsLength = 1000;
    public const int TextLength = 998;
    public const int ReplyLength = 2000;
    public const int DetailLength = 2000;
    public const int AgentLength = 128;
    public const int SessionIdLength = 64;
    public const int HeloLength = 255;

    public long Id { get; set; }
    public DateTimeOffset Time { get; set; }
    /// <summary>The node that recorded the event.</summary>
    public string Node { get; set; } = "";
    public MessageTrackingEventKind Kind { get; set; }

    /// <summary>Mailflow's queue id (also the id a DSN names as its original).</summary>
    public string? QueueId { get; set; }
    /// <summary>The Message-ID header.</summary>
    public string? InternetMessageId { get; set; }
    /// <summary>Envelope sender; empty for the null sender.</summary>
    public string Sender { get; set; } = "";
    /// <summary>The recipient(s) the event concerns, comma-separated (per-recipient outcomes name one).</summary>
    public string Recipients { get; set; } = "";
    public int RecipientCount { get; set; }
    public string? Subject { get; set; }
    public long? Size { get; set; }

    /// <summary>The delivery queue (next hop key), for SEND/DELIVER/DEFER/FAIL/ROUTE.</summary>
    public string? NextHop { get; set; }
    /// <summary>The send connector (or receive connector for RECEIVE).</summary>
    public string? Connector { get; set; }
    /// <summary>The remote host that answered (or the client, for RECEIVE).</summary>
    public string? RemoteHost { get; set; }
    public int? ReplyCode { get; set; }
    /// <summary>The remote reply or our own status line (<c>550 5.1.1 …</c>).</summary>
    public string? Reply { get; set; }
    /// <summary>Free text: rule name and action, the admin who acted, the DSN kind, …</summary>
    public string? Detail { get; set; }

    /// <summary>The transport agent that decided (its display name), for Agent events from the receive session.</summary>
    public string? Agent { get; set; }
    /// <summary>The agent's own reason for the trace (a DNSBL zone and its TXT reason, the rate limit hit), without the reply.</summary>
    public string? Reason { get; set; }
    /// <summary>The receive session's id, as the protocol log names it (events the receive session wrote).</summary>
    public string? SessionId { get; set; }
    /// <summary>The client's HELO/EHLO name when the event was written, if it had given one.</summary>
    public string? Helo { get; set; }

    internal static void Configure(ModelBuilder b) => b.Entity<MessageTrackingEvent>(e =>
    {
        e.HasKey(x => x.Id);
        e.Property(x => x.Node).HasMaxLength(128).IsRequired();
        e.Property(x => x.Kind).HasConversion<string>().HasMaxLength(16);
        e.Property(x => x.QueueId).HasMaxLength(32);
        e.Property(x => x.InternetMessageId).HasMaxLength(TextLength);
        e.Property(x => x.Sender).HasMaxLength(AddressLength).IsRequired();
        e.Property(x => x.Recipients).HasMaxLength(RecipientsLength).IsRequired();
        e.Property(x => x.Subject).HasMaxLength(TextLength);
        e.Property(x => x.NextHop).HasMaxLength(AddressLength);
        e.Property(x => x.Connector).HasMaxLength(128);
        e.Property(x => x.RemoteHost).HasMaxLength(255);
        e.Property(x => x.Reply).HasMaxLength(ReplyLength);
        e.Property(x => x.Detail).HasMaxLength(DetailLength);
        e.Property(x => x.Agent).HasMaxLength(AgentLength);
        e.Property(x => x.Reason).HasMaxLength(DetailLength);
        e.Property(x => x.SessionId).HasMaxLength(SessionIdLength);
        e.Property(x => x.Helo).HasMaxLength(HeloLength);

        // The trace searches: one message's timeline, and "mail from/to X around time T".
        e.HasIndex(x => x.Time);
        e.HasIndex(x => new { x.QueueId, x.Time });
        e.HasIndex(x => x.InternetMessageId);
        e.HasIndex(x => new { x.Sender, x.Time });
        e.HasIndex(x => new { x.Recipients, x.Time });
    });
}
