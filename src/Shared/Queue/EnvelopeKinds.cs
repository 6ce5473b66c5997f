namespace Mailflow.Queue;

// The stored forms of the envelope's SMTP parameters. They mirror the receive session's types in
// Mailflow.Server.Transport, which Shared cannot reference; the message sink maps one to the other.

/// <summary>RFC 6152 / RFC 3030 BODY parameter of MAIL FROM.</summary>
public enum MessageBodyType
{
    SevenBit,
    EightBitMime,
    BinaryMime,
}

/// <summary>RFC 3461 §4.3 RET: what a failure DSN returns.</summary>
public enum DsnReturnKind
{
    Unspecified,
    Full,
    Headers,
}

/// <summary>RFC 3461 §4.1 NOTIFY of one recipient.</summary>
[Flags]
public enum DsnNotifyFlags
{
    /// <summary>No NOTIFY parameter: failure DSNs (and delay at the MTA's discretion).</summary>
    Unspecified = 0,
    Never = 1,
    Success = 2,
    Failure = 4,
    Delay = 8,
}

/// <summary>Relative urgency; claims take higher priorities first. Stored as a number so it orders in SQL.</summary>
public enum QueuePriority
{
    Low = -1,
    Normal = 0,
    High = 1,
}
