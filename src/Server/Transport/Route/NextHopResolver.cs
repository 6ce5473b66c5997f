using System.Collections.Immutable;
using System.Globalization;
using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Transport.Categorize;

namespace Mailflow.Server.Transport.Route;

/// <summary>
/// Picks the next hop for each resolved recipient against one <see cref="TransportConfig"/> snapshot
/// (Exchange's routing: "least cost routing" over send connector address spaces). Pure and synchronous;
/// DNS is not consulted here — MX hosts are looked up at delivery time by <see cref="MxResolver"/>, so a
/// route stays valid while DNS changes.
///
/// Implementation summary:
/// <list type="bullet">
/// <item>Mailboxes are delivered by their delivery kind: Maildir, LMTP (<c>host:port</c>, default port 24, or
/// <c>unix:/path</c>) or SMTP to their own server (<c>host[:port]</c>, default 25).</item>
/// <item>Everything else is routed by domain: among enabled send connectors, the most specific address-space
/// match wins (<see cref="AddressSpaceRules.MatchSpecificity"/>: exact &gt; nearest <c>*.parent</c> &gt; <c>*</c>),
/// then the lowest cost of that address space, then a connector whose source nodes include this node
/// (empty = every node), then the name, so the choice is stable.</item>
/// <item>A mail flow rule's "route through connector" replaces that choice for routed recipients (not for
/// mailboxes). If that connector is missing or off, the recipient is unreachable rather than sent another
/// way the rule's author did not intend.</item>
/// <item>No route → <see cref="NextHopKind.Unreachable"/> with the reason; the queue re-routes it when the
/// configuration changes.</item>
/// </list>
/// </summary>
public sealed class NextHopResolver(string nodeName)
{
    /// <summary>LMTP has no assigned port of its own; 24 is the IANA "any private mail system" port LMTP servers commonly use (Dovecot's example configuration).</summary>
    public const int DefaultLmtpPort = 24;
    /// <summary>RFC 5321 §4.5.4.2 / IANA: SMTP relay is port 25.</summary>
    public const int DefaultSmtpPort = 25;

    public string NodeName { get; } = nodeName;

    public NextHop Resolve(TransportConfig config, ResolvedRecipient recipient, RouteOverrides? overrides = null)
    {
        overrides ??= RouteOverrides.None;
        return recipient.Kind switch
        {
            ResolvedRecipientKind.Mailbox => ResolveMailbox(recipient.Mailbox!, overrides),
            ResolvedRecipientKind.Failed => throw new ArgumentException($"{recipient.Address} failed resolution and has no next hop.", nameof(recipient)),
            _ => ResolveDomain(config, recipient.Domain, overrides),
        };
    }

    /// <summary>Routes every deliverable recipient of a resolution; failed recipients have no next hop and are left out.</summary>
    public ImmutableArray<RoutedRecipient> Route(TransportConfig config, RecipientResolution resolution, RouteOverrides? overrides = null) =>
        [.. resolution.Deliverable.Select(r => new RoutedRecipient(r, Resolve(config, r, overrides)))];

    public NextHop ResolveMailbox(Recipient mailbox, RouteOverrides? overrides = null)
    {
        var requireTls = overrides?.RequireTls ?? false;
        var domain = MailAddressParts.DomainOf(mailbox.PrimaryAddress);
        var target = mailbox.DeliveryTarget.Trim();
        switch (mailbox.DeliveryKind)
        {
            case MailboxDeliveryKind.Maildir:
                return new NextHop(NextHopKind.Maildir, NextHopKey.Maildir, domain, null, [], 0, OutboundTlsPolicy.Opportunistic, false, target, null,
                    $"{mailbox.PrimaryAddress} is a mailbox on this server, delivered to its Maildir folder.", []);
            case MailboxDeliveryKind.Lmtp when target.StartsWith("unix:", StringComparison.OrdinalIgnoreCase):
                return new NextHop(NextHopKind.Lmtp, NextHopKey.LmtpSocket(target), domain, null, [], 0, OutboundTlsPolicy.Opportunistic, false, target, null,
                    $"{mailbox.PrimaryAddress} is a mailbox delivered over LMTP to the local socket {target[5..]}.", []);
            case MailboxDeliveryKind.Lmtp:
            case MailboxDeliveryKind.Smtp:
                var lmtp = mailbox.DeliveryKind == MailboxDeliveryKind.Lmtp;
                var protocol = lmtp ? "LMTP" : "SMTP";
                if (!SmartHostRules.TryParse(target, out var host, out var port, out _))
                {
                    return Unreachable(domain, $"The mailbox {mailbox.PrimaryAddress} is delivered over {protocol}, but its target “{target}” is not a host or host:port. Correct the mailbox's delivery target.", []);
                }
                var endpoint = new HostEndpoint(host, port ?? (lmtp ? DefaultLmtpPort : DefaultSmtpPort));
                var key = lmtp ? NextHopKey.Lmtp(endpoint.Host, endpoint.Port) : NextHopKey.MailboxSmtp(endpoint.Host, endpoint.Port, requireTls);
                return new NextHop(lmtp ? NextHopKind.Lmtp : NextHopKind.MailboxSmtp, key, domain, null, [endpoint], endpoint.Port,
                    requireTls && !lmtp ? OutboundTlsPolicy.Required : OutboundTlsPolicy.Opportunistic, requireTls && !lmtp, target, null,
                    $"{mailbox.PrimaryAddress} is a mailbox delivered over {protocol} to {endpoint}.", []);
            default:
                return Unreachable(domain, $"The mailbox {mailbox.PrimaryAddress} has a delivery kind this version doesn't know.", []);
        }
    }

    public NextHop ResolveDomain(TransportConfig config, string domain, RouteOverrides? overrides = null)
    {
        overrides ??= RouteOverrides.None;
        domain = domain.Trim().TrimEnd('.').ToLowerInvariant();
        if (domain.Length == 0)
            return Unreachable(domain, "The recipient address has no domain to route by.", []);
        if (!string.IsNullOrWhiteSpace(overrides.ConnectorName))
            return RouteThroughNamedConnector(config, domain, overrides);

        var candidates = config.SendConnectors.Select(c => Rate(c, domain)).ToList();
        var eligible = candidates.Where(c => c.Specificity >= 0 && c.Connector.Enabled).ToList();
        if (eligible.Count == 0)
        {
            var none = candidates.Select(c => Explain(c, null, domain)).ToImmutableArray();
            var reason = config.SendConnectors.IsEmpty
                ? $"There is no send connector, so mail for {domain} has nowhere to go. Create a send connector whose address space covers {domain} (or *)."
                : $"No enabled send connector has an address space covering {domain}. Add {domain} (or *) to a send connector's address spaces, or turn on a connector that has one.";
            return Unreachable(domain, reason, none);
        }
        var winner = eligible
            .OrderByDescending(c => c.Specificity)
            .ThenBy(c => c.Cost)
            .ThenByDescending(c => ServesThisNode(c.Connector))
            .ThenBy(c => c.Connector.Name, StringComparer.OrdinalIgnoreCase)
            .First();
        var explained = candidates.Select(c => Explain(c, winner, domain)).ToImmutableArray();
        return ViaConnector(winner.Connector, domain, overrides.RequireTls, explained.First(c => c.Verdict == ConnectorVerdict.Chosen).Explanation, explained);
    }

    private NextHop RouteThroughNamedConnector(TransportConfig config, string domain, RouteOverrides overrides)
    {
        var name = overrides.ConnectorName!.Trim();
        var connector = config.SendConnectors.FirstOrDefault(c => string.Equals(c.Name, name, StringComparison.OrdinalIgnoreCase));
        var others = config.SendConnectors.Where(c => c != connector)
            .Select(c => new ConnectorCandidate(c.Name, ConnectorVerdict.NotConsidered, null, null, $"“{c.Name}” was not considered: a mail flow rule chose the connector."))
            .ToImmutableArray();
        if (connector is null)
            return Unreachable(domain, $"A mail flow rule routes this message through the send connector “{name}”, but there is no send connector with that name. Fix the rule or create the connector.", others);
        if (!connector.Enabled)
        {
            return Unreachable(domain, $"A mail flow rule routes this message through the send connector “{connector.Name}”, but that connector is turned off. Turn it on or change the rule.",
                others.Insert(0, new ConnectorCandidate(connector.Name, ConnectorVerdict.Disabled, null, null, $"“{connector.Name}” is turned off.")));
        }
        var why = $"A mail flow rule routes this message through “{connector.Name}”; address spaces and costs were not compared.";
        return ViaConnector(connector, domain, overrides.RequireTls, why,
            others.Insert(0, new ConnectorCandidate(connector.Name, ConnectorVerdict.Chosen, null, null, why)));
    }

    private static NextHop ViaConnector(SendConnector connector, string domain, bool requireTls, string why, ImmutableArray<ConnectorCandidate> candidates)
    {
        var tls = requireTls && connector.TlsPolicy == OutboundTlsPolicy.Opportunistic ? OutboundTlsPolicy.Required : connector.TlsPolicy;
        if (connector.RoutingMethod == SendRoutingMethod.DnsMx)
        {
            return new NextHop(NextHopKind.Mx, NextHopKey.Mx(connector.Id, domain, requireTls), domain, connector, [], connector.Port, tls, requireTls, null, null,
                $"{why} It looks up the MX records of {domain}.", candidates);
        }
        var hosts = connector.SmartHosts
            .Select(text => SmartHostRules.TryParse(text, out var host, out var port, out _) ? new HostEndpoint(host, port ?? connector.Port) : null)
            .OfType<HostEndpoint>()
            .ToImmutableArray();
        if (hosts.IsEmpty)
        {
            return Unreachable(domain, $"The send connector “{connector.Name}” sends through smart hosts, but none is configured. Add a smart host to it.", candidates) with { Connector = connector };
        }
        return new NextHop(NextHopKind.SmartHost, NextHopKey.SmartHost(connector.Id, requireTls), domain, connector, hosts, connector.Port, tls, requireTls, null, null,
            $"{why} It sends through the smart host{(hosts.Length == 1 ? "" : "s")} {string.Join(", ", hosts)}{(hosts.Length == 1 ? "" : " (in this order)")}.", candidates);
    }

    private static NextHop Unreachable(string domain, string reason, ImmutableArray<ConnectorCandidate> candidates) =>
        new(NextHopKind.Unreachable, NextHopKey.Unreachable, domain, null, [], 0, OutboundTlsPolicy.Opportunistic, false, null, reason, reason, candidates);

    private sealed record Rating(SendConnector Connector, int Specificity, int Cost, string? AddressSpace);

    /// <summary>The connector's best address space for the domain: most specific, then cheapest.</summary>
    private static Rating Rate(SendConnector connector, string domain)
    {
        var best = connector.AddressSpaces
            .Select(space => new Rating(connector, AddressSpaceRules.MatchSpecificity(space.Domain.Trim().ToLowerInvariant(), domain), space.Cost, space.Domain))
            .Where(r => r.Specificity >= 0)
            .OrderByDescending(r => r.Specificity)
            .ThenBy(r => r.Cost)
            .FirstOrDefault();
        return best ?? new Rating(connector, -1, int.MaxValue, null);
    }

    private bool ServesThisNode(SendConnector connector) =>
        connector.SourceNodes.Count == 0 || connector.SourceNodes.Contains(NodeName, StringComparer.OrdinalIgnoreCase);

    private ConnectorCandidate Explain(Rating rating, Rating? winner, string domain)
    {
        var connector = rating.Connector;
        var name = $"“{connector.Name}”";
        var cost = rating.Cost.ToString(CultureInfo.InvariantCulture);
        if (!connector.Enabled)
            return new(connector.Name, ConnectorVerdict.Disabled, rating.AddressSpace, null, $"{name} is turned off.");
        if (rating.Specificity < 0)
        {
            return new(connector.Name, ConnectorVerdict.NoMatchingAddressSpace, null, null,
                $"{name} has no address space covering {domain} ({(connector.AddressSpaces.Count == 0 ? "it has none" : string.Join(", ", connector.AddressSpaces.Select(a => a.Domain)))}).");
        }
        if (winner is null)
            return new(connector.Name, ConnectorVerdict.NotConsidered, rating.AddressSpace, rating.Cost, $"{name} was not considered.");
        if (rating == winner)
        {
            var nodes = ServesThisNode(connector) ? "" : $" It is set up to send only from {string.Join(", ", connector.SourceNodes)}, not from this node ({NodeName}), but no connector that matches as well sends from here.";
            return new(connector.Name, ConnectorVerdict.Chosen, rating.AddressSpace, rating.Cost,
                $"{name} was chosen: its address space {rating.AddressSpace} {MatchKind(rating.AddressSpace!, domain)} (cost {cost}).{nodes}");
        }
        if (rating.Specificity < winner.Specificity)
        {
            return new(connector.Name, ConnectorVerdict.LessSpecific, rating.AddressSpace, rating.Cost,
                $"{name} matches through {rating.AddressSpace}, which is less specific than {winner.AddressSpace}.");
        }
        if (rating.Cost > winner.Cost)
        {
            return new(connector.Name, ConnectorVerdict.HigherCost, rating.AddressSpace, rating.Cost,
                $"{name} matches just as specifically ({rating.AddressSpace}), but its cost {cost} is higher than {winner.Cost.ToString(CultureInfo.InvariantCulture)}.");
        }
        if (ServesThisNode(winner.Connector) && !ServesThisNode(connector))
        {
            return new(connector.Name, ConnectorVerdict.NotForThisNode, rating.AddressSpace, rating.Cost,
                $"{name} matches just as well at the same cost, but it sends only from {string.Join(", ", connector.SourceNodes)}, not from this node ({NodeName}).");
        }
        return new(connector.Name, ConnectorVerdict.LostTie, rating.AddressSpace, rating.Cost,
            $"{name} matches just as well at the same cost; “{winner.Connector.Name}” comes first by name.");
    }

    private static string MatchKind(string addressSpace, string domain) => addressSpace switch
    {
        "*" => $"covers every domain, including {domain}",
        _ when addressSpace.StartsWith("*.", StringComparison.Ordinal) => $"covers {domain} as a subdomain",
        _ => $"is exactly {domain}",
    };
}
