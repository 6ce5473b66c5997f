using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Agents;

/// <summary>
/// A stored message as the categorizer's events show it to agents: who sent it, how it arrived, the
/// tags the SMTP-time agents left, and the recipients after resolution (with their next hop once
/// routed). The content is parsed once, on demand.
/// </summary>
public sealed class StoredMessageContext
{
    public required string QueueId { get; init; }
    public required TransportConfig Snapshot { get; init; }
    /// <summary>Envelope sender; empty for the null sender.</summary>
    public required string Sender { get; init; }
    public string? ReceiveConnectorName { get; init; }
    public string? ClientAddress { get; init; }
    public string? AuthenticatedAs { get; init; }
    public bool IsWhatIf { get; init; }
    public required AgentTags Tags { get; init; }
    /// <summary>Final recipients and, after routing, their next hop key (null before).</summary>
    public required IReadOnlyList<StoredRecipient> Recipients { get; init; }
    public required AgentContent Content { get; init; }
}

public sealed record StoredRecipient(string Address, string? NextHopKey);
