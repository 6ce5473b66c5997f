using System.Net;
using System.Net.Sockets;
using Mailflow.Cluster;
using Mailflow.Configuration;
using Mailflow.DomainHealth;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Authentication.DomainHealth;

/// <summary>A name and address mail leaves from: what receivers see in EHLO and as the client address.</summary>
/// <param name="Source">Where it comes from, for the admin: "node mx1", "send connector Internet".</param>
public sealed record SendingIdentity(string HeloName, IPAddress Address, string Source);

/// <summary>A HELO name that does not resolve: receivers cannot confirm it, and we cannot find the address behind it.</summary>
public sealed record UnresolvedHeloName(string HeloName, string Source, bool DnsFailed);

public sealed record SendingIdentities(IReadOnlyList<SendingIdentity> Identities, IReadOnlyList<UnresolvedHeloName> Unresolved);

/// <summary>
/// Where Mailflow's mail comes from. A node has no configured outbound address (the kernel picks the
/// source address of each connection), so the sending identity is its HELO name: each node's name in
/// the node registry (the FQDN it announces, <c>Mailflow:Fqdn</c>) and the HELO name of each enabled
/// MX send connector that sets its own, each resolved to its A and AAAA addresses.
/// <c>Mailflow:DomainHealth:SendingAddresses</c> replaces the resolved addresses when the nodes send
/// through NAT.
/// </summary>
public sealed class SendingIdentityResolver(
    TransportConfigProvider config, NodeStatusQuery nodes, DomainHealthDns dns, IOptions<DomainHealthOptions> options, IOptions<MailflowOptions> mailflow, TimeProvider time)
{
    /// <summary>Nodes that have not heartbeated for this long are gone, not sending.</summary>
    private static readonly TimeSpan LiveWindow = TimeSpan.FromDays(1);

    public async Task<SendingIdentities> ResolveAsync(CancellationToken cancellationToken)
    {
        var names = await HeloNamesAsync(cancellationToken);
        var identities = new List<SendingIdentity>();
        var unresolved = new List<UnresolvedHeloName>();
        var configured = options.Value.SendingAddresses.Select(a => IPAddress.TryParse(a.Trim(), out var ip) ? ip : null).OfType<IPAddress>().ToList();
        if (configured.Count > 0)
        {
            var helo = mailflow.Value.ResolvedFqdn;
            identities.AddRange(configured.Distinct().Select(ip => new SendingIdentity(helo, ip, $"{DomainHealthOptions.Section}:SendingAddresses")));
            return new(identities, unresolved);
        }
        foreach (var (name, source) in names)
        {
            var v4 = await dns.Dns.AddressesAsync(name, ipv6: false, cancellationToken);
            var v6 = await dns.Dns.AddressesAsync(name, ipv6: true, cancellationToken);
            var addresses = v4.Records.Concat(v6.Records).Distinct().ToList();
            if (addresses.Count == 0)
                unresolved.Add(new UnresolvedHeloName(name, source, v4.Failed || v6.Failed));
            identities.AddRange(addresses.Where(a => identities.All(i => !i.Address.Equals(a))).Select(a => new SendingIdentity(name, a, source)));
        }
        return new(identities, unresolved);
    }

    private async Task<IReadOnlyList<(string Name, string Source)>> HeloNamesAsync(CancellationToken cancellationToken)
    {
        var names = new List<(string Name, string Source)>();
        void Add(string name, string source)
        {
            name = DomainName.Normalize(name);
            if (name.Length > 0 && names.All(n => n.Name != name))
                names.Add((name, source));
        }
        var since = time.GetUtcNow() - LiveWindow;
        foreach (var node in (await nodes.ReadAsync(cancellationToken)).Nodes.Where(n => n.IsLiveSince(since)))
            Add(node.Address, $"node {node.Name}");
        if (names.Count == 0)
            Add(mailflow.Value.ResolvedFqdn, $"node {mailflow.Value.ResolvedNodeName}");
        foreach (var connector in config.Current.SendConnectors.Where(c => c.Enabled && c.RoutingMethod == SendRoutingMethod.DnsMx && !string.IsNullOrWhiteSpace(c.HeloFqdn)))
            Add(connector.HeloFqdn, $"send connector {connector.Name}");
        return names;
    }

    /// <summary>Addresses receivers never see as a client: loopback, private (RFC 1918, RFC 4193), link-local, CGNAT.</summary>
    public static bool IsPrivate(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (IPAddress.IsLoopback(address))
            return true;
        if (address.AddressFamily == AddressFamily.InterNetworkV6)
            return address.IsIPv6LinkLocal || address.IsIPv6SiteLocal || address.IsIPv6UniqueLocal;
        var b = address.GetAddressBytes();
        return b[0] == 10 || (b[0] == 172 && b[1] is >= 16 and <= 31) || (b[0] == 192 && b[1] == 168)
               || (b[0] == 169 && b[1] == 254) || (b[0] == 100 && b[1] is >= 64 and <= 127) || b[0] == 0;
    }
}
