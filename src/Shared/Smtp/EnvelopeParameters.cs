using Mailflow.Smtp;

namespace Mailflow.Smtp;

// The envelope's SMTP parameters, one definition for every stage: the receive session parses them,
// the queue stores them (by name), the categorizer, delivery agents and the DSN notifier read them.

/// <summary>RFC 6152 / RFC 3030 BODY parameter of MAIL FROM.</summary>
public enum BodyType
{
    SevenBit,
    EightBitMime,
    BinaryMime,
}

/// <summary>RFC 3461 §4.3 RET: what a failure DSN returns.</summary>
public enum DsnReturn
{
    Unspecified,
    Full,
    Headers,
}

/// <summary>RFC 3461 §4.1 NOTIFY of one recipient.</summary>
[Flags]
public enum DsnNotify
{
    /// <summary>No NOTIFY parameter: failure DSNs (and delay at the MTA's discretion).</summary>
    Unspecified = 0,
    Never = 1,
    Success = 2,
    Failure = 4,
    Delay = 8,
}
