using Mailflow.Smtp;

namespace Mailflow.Queue;

/// <summary>
/// A durably accepted message: its envelope exactly as received, a summary of its headers for the
/// queue viewer, and its claim (lease). The content itself is a separate row
/// (<see cref="MessageContent"/>) so listing the queue never reads message bytes.
/// </summary>
public sealed class QueuedMessage
{
    public long Id { get; set; }
    /// <summary>The short id the client sees in <c>250 2.6.0 &lt;id&gt; Queued mail for delivery</c> and admins see in logs.</summary>
    public string QueueId { get; set; } = "";

    public QueuedMessageState State { get; set; }
    public QueuePriority Priority { get; set; }

    /// <summary>Reverse-path; empty for the null sender <c>&lt;&gt;</c> (bounces: never send a DSN to it).</summary>
    public string Sender { get; set; } = "";
    public BodyType BodyType { get; set; }
    public bool SmtpUtf8 { get; set; }
    /// <summary>
    /// RFC 8689 REQUIRETLS: every onward hop must be verified TLS to a server that advertises REQUIRETLS,
    /// or the message is returned (5.7.30). Set by <c>MAIL FROM … REQUIRETLS</c> or a mail flow rule.
    /// </summary>
    public bool RequireTls { get; set; }
    public DsnReturn DsnReturn { get; set; }
    /// <summary>RFC 3461 ENVID, decoded.</summary>
    public string? DsnEnvelopeId { get; set; }

    public string ClientAddress { get; set; } = "";
    public int ClientPort { get; set; }
    /// <summary>The local endpoint the client connected to (<c>address:port</c>).</summary>
    public string LocalEndPoint { get; set; } = "";
    public string HeloName { get; set; } = "";
    /// <summary>The AUTH identity, when the session authenticated.</summary>
    public string? AuthenticatedAs { get; set; }
    public string? TlsProtocol { get; set; }
    public string? TlsCipher { get; set; }
    public Guid ReceiveConnectorId { get; set; }
    public string ReceiveConnectorName { get; set; } = "";
    /// <summary>The node whose receive session accepted the message.</summary>
    public string ReceivingNode { get; set; } = "";

    /// <summary>When the session started DATA/BDAT (the envelope's time).</summary>
    public DateTimeOffset ReceivedAt { get; set; }
    /// <summary>When the store committed the message, i.e. when the client was told 250.</summary>
    public DateTimeOffset QueuedAt { get; set; }

    /// <summary>Content length in octets, including the prepended Received: header.</summary>
    public long Size { get; set; }
    /// <summary>Lower-case hex SHA-256 of the content: a stored copy that does not hash to this is damaged.</summary>
    public string ContentSha256 { get; set; } = "";

    // Header summary for the queue viewer, decoded and cut to the column length.
    public string? Subject { get; set; }
    public string? FromHeader { get; set; }
    public string? MessageIdHeader { get; set; }

    /// <summary>Where the message came from (SMTP, or a DSN Mailflow generated).</summary>
    public MessageOrigin Origin { get; set; }

    /// <summary>What the transport agents found at SMTP time (spam score, authentication verdicts…), as JSON (<see cref="MessageTags"/>); null when none.</summary>
    public string? AgentTags { get; set; }

    /// <summary>When this message next has work due (now for fresh messages, the earliest recipient retry later); null when completed.</summary>
    public DateTimeOffset? NextAttemptAt { get; set; }

    // The claim: a worker owns the message until LeaseUntil. An expired lease means the claimer died
    // or hung, and any worker (on any node) may claim the message again.
    public string? LeaseOwner { get; set; }
    /// <summary>Fencing token of the current claim: a worker whose lease expired and was re-claimed cannot write with its stale token.</summary>
    public Guid? LeaseToken { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }

    /// <summary>
    /// How many times a worker died or failed unexpectedly while holding this message (a lease that ran out
    /// instead of being released, or an unexpected exception in delivery). At <see cref="PoisonThreshold"/> the
    /// message goes to <see cref="QueuedMessageState.Poison"/>, so one bad message cannot crash every node in turn.
    /// </summary>
    public int CrashCount { get; set; }

    /// <summary>Exchange's <c>PoisonThreshold</c> default: a message that crashed processing twice is set aside.</summary>
    public const int PoisonThreshold = 2;

    public List<QueuedRecipient> Recipients { get; set; } = [];
}
