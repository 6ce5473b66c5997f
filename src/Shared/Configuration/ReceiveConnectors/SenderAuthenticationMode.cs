namespace Mailflow.Configuration;

/// <summary>What a receive connector does with SPF, DKIM and DMARC for mail from unauthenticated senders.</summary>
public enum SenderAuthenticationMode
{
    /// <summary>No checks (submission connectors, internal relays).</summary>
    Off,
    /// <summary>Check, add an Authentication-Results header and tag the message; refuse nothing.</summary>
    EvaluateAndTag,
    /// <summary>Check and tag, and honour the sender domain's DMARC policy: reject with 550 5.7.1 or quarantine; a DNS failure answers 451 4.7.5.</summary>
    Enforce,
}
