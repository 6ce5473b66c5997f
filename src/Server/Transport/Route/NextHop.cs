using System.Collections.Immutable;
using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Transport.Categorize;

namespace Mailflow.Server.Transport.Route;

/// <summary>How a recipient leaves this node.</summary>
public enum NextHopKind
{
    /// <summary>Local delivery into the mailbox's Maildir folder.</summary>
    Maildir,
    /// <summary>LMTP (RFC 2033) to the mailbox server in <see cref="NextHop.Hosts"/> or <see cref="NextHop.DeliveryTarget"/> (unix socket).</summary>
    Lmtp,
    /// <summary>SMTP to the mailbox's own server in <see cref="NextHop.Hosts"/>.</summary>
    MailboxSmtp,
    /// <summary>SMTP through a send connector to the recipient domain's MX hosts (RFC 5321 §5.1), looked up at delivery time.</summary>
    Mx,
    /// <summary>SMTP through a send connector to its smart hosts, in order, failing over.</summary>
    SmartHost,
    /// <summary>No route: the delivery waits in the "Unreachable" queue until the configuration changes.</summary>
    Unreachable,
}

/// <summary>A host and port to connect to.</summary>
public sealed record HostEndpoint(string Host, int Port)
{
    public override string ToString() => Host.Contains(':') ? $"[{Host}]:{Port}" : $"{Host}:{Port}";
}

/// <summary>Why a send connector was or was not chosen, for the "Test mail flow" page.</summary>
public enum ConnectorVerdict
{
    Chosen,
    Disabled,
    NoMatchingAddressSpace,
    LessSpecific,
    HigherCost,
    NotForThisNode,
    LostTie,
    NotConsidered,
}

/// <param name="AddressSpace">The connector's best-matching address space, if any.</param>
/// <param name="Explanation">One plain sentence: "“Internet” matches through *, which is less specific than contoso.com."</param>
public sealed record ConnectorCandidate(string ConnectorName, ConnectorVerdict Verdict, string? AddressSpace, int? Cost, string Explanation);

/// <summary>
/// Where a recipient's delivery goes next, and everything the delivery agent needs for it. Deliveries
/// with the same <see cref="QueueKey"/> share a queue and, for SMTP, connections.
/// </summary>
/// <param name="Key">The queue this delivery waits in (<see cref="NextHopKey"/>, the one key format).</param>
/// <param name="Domain">The recipient domain (what MX routing looks up).</param>
/// <param name="Connector">The send connector used, for MX and smart-host routing.</param>
/// <param name="Hosts">Smart hosts in failover order, or the mailbox server; empty for MX routing (resolved at delivery) and Maildir.</param>
/// <param name="Port">The port for MX routing (the connector's); smart hosts and mailbox servers carry their own.</param>
/// <param name="TlsPolicy">The connector's TLS policy, raised to Required when <paramref name="RequireTls"/>.</param>
/// <param name="RequireTls">A mail flow rule requires TLS for this message.</param>
/// <param name="DeliveryTarget">The mailbox's delivery target as configured (Maildir path, LMTP or SMTP target).</param>
/// <param name="UnreachableReason">For <see cref="NextHopKind.Unreachable"/>: why, in plain language.</param>
/// <param name="Explanation">How the route was chosen, in plain language.</param>
/// <param name="Candidates">Every send connector and why it was or was not chosen (empty for mailbox delivery).</param>
public sealed record NextHop(
    NextHopKind Kind,
    NextHopKey Key,
    string Domain,
    SendConnector? Connector,
    ImmutableArray<HostEndpoint> Hosts,
    int Port,
    OutboundTlsPolicy TlsPolicy,
    bool RequireTls,
    string? DeliveryTarget,
    string? UnreachableReason,
    string Explanation,
    ImmutableArray<ConnectorCandidate> Candidates)
{
    /// <summary>The key as stored per recipient and grouped by.</summary>
    public string QueueKey => Key.Format();
}

/// <summary>A resolved recipient and its next hop: what the queue stores per recipient, grouped by <see cref="NextHop.QueueKey"/>.</summary>
public sealed record RoutedRecipient(ResolvedRecipient Recipient, NextHop NextHop);

/// <summary>What mail flow rules decided about routing (<c>RouteThroughConnector</c>, <c>RequireTls</c>).</summary>
public sealed record RouteOverrides(string? ConnectorName = null, bool RequireTls = false)
{
    public static RouteOverrides None { get; } = new();

    public static RouteOverrides From(Categorize.TransportRules.RuleDecision decision) => new(decision.RouteThroughConnector, decision.RequireTls);
}
