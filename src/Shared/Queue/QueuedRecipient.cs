using System.Text.Json.Serialization;
using Mailflow.Smtp;

namespace Mailflow.Queue;

/// <summary>One envelope recipient of a queued message and its own delivery state (partial failures are per recipient).</summary>
public sealed class QueuedRecipient
{
    public long Id { get; set; }
    public long MessageId { get; set; }
    /// <summary>The owning message; not serialized (the message already lists its recipients: no cycle in API answers).</summary>
    [JsonIgnore]
    public QueuedMessage? Message { get; set; }

    /// <summary>The forward-path mailbox as received.</summary>
    public string Address { get; set; } = "";
    /// <summary>RFC 3461 ORCPT as given (<c>rfc822;user@example.com</c>).</summary>
    public string? OriginalRecipient { get; set; }
    public DsnNotify Notify { get; set; }

    public QueuedRecipientStatus Status { get; set; }
    public int AttemptCount { get; set; }
    public DateTimeOffset? LastAttemptAt { get; set; }
    /// <summary>When a temporarily failed recipient is due again; null = due now (or final).</summary>
    public DateTimeOffset? NextRetryAt { get; set; }

    /// <summary>The last reply that decided the status, as the remote sent it (or our own reason for local decisions).</summary>
    public string? LastResponse { get; set; }
    public int? LastReplyCode { get; set; }
    public string? LastRemoteHost { get; set; }

    /// <summary>The delivery queue this recipient belongs to (send connector + domain, smart host, local target); set by routing.</summary>
    public string? NextHopKey { get; set; }

    /// <summary>When the delay DSN for this recipient was enqueued (RFC 3464 Action: delayed); at most one is sent.</summary>
    public DateTimeOffset? DelayNotifiedAt { get; set; }
    /// <summary>When the final DSN (failure NDR, or success when NOTIFY=SUCCESS asked for it) was enqueued, or when it was decided that none is due.</summary>
    public DateTimeOffset? FinalNotifiedAt { get; set; }
}
