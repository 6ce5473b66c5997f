using System.Net;
using Mailflow.DomainHealth;

namespace Mailflow.Server.Transport.Authentication.DomainHealth;

/// <summary>
/// Reverse DNS of each sending address: a PTR record (large receivers refuse mail from addresses
/// without one), forward-confirmed (a PTR name resolves back to the address, FCrDNS), and ideally the
/// same name the node says in EHLO. The same for every domain: it is about the nodes, not the domain.
/// </summary>
public sealed class ReverseDnsHealthCheck(DomainHealthDns dns)
{
    private const string Area = "Reverse DNS";

    public static string Id(IPAddress address) => "ptr:" + address;

    public async Task<IReadOnlyList<DomainHealthCheck>> CheckAsync(SendingIdentities senders, CancellationToken cancellationToken)
    {
        var checks = new List<DomainHealthCheck>();
        foreach (var name in senders.Unresolved)
            checks.Add(name.DnsFailed
                ? new("helo:" + name.HeloName, Area, $"{name.HeloName} could not be resolved", DomainHealthStatus.Warn,
                    $"DNS did not answer for the addresses of {name.HeloName} ({name.Source}); the next check tries again.")
                : new("helo:" + name.HeloName, Area, $"{name.HeloName} has no address", DomainHealthStatus.Fail,
                    $"{name.HeloName} ({name.Source}) is the name Mailflow says in EHLO, but it has no A or AAAA record: receivers cannot confirm it, and its sending address is unknown here. "
                    + $"Publish its address, or set {DomainHealthOptions.Section}:SendingAddresses when the node sends through NAT.",
                    null, name.HeloName, "A", "<the public IPv4 address this node sends from>"));
        foreach (var sender in senders.Identities)
            checks.Add(await CheckAsync(sender, cancellationToken));
        return checks;
    }

    private async Task<DomainHealthCheck> CheckAsync(SendingIdentity sender, CancellationToken cancellationToken)
    {
        var id = Id(sender.Address);
        var title = $"Reverse DNS of {sender.Address}";
        var arpa = sender.Address.GetArpaName().TrimEnd('.');
        if (SendingIdentityResolver.IsPrivate(sender.Address))
            return new(id, Area, title, DomainHealthStatus.Warn,
                $"{sender.HeloName} ({sender.Source}) resolves to {sender.Address}, a private address receivers never see. "
                + $"Set {DomainHealthOptions.Section}:SendingAddresses to the public address the node sends from, so it can be checked.");
        var ptr = await dns.Dns.PtrAsync(sender.Address, cancellationToken);
        if (ptr.Failed)
            return new(id, Area, title, DomainHealthStatus.Warn, $"DNS did not answer for the PTR record of {sender.Address} ({ptr.Error}); the next check tries again.");
        if (ptr.Records.Count == 0)
            return new(id, Area, title, DomainHealthStatus.Fail,
                $"{sender.Address} ({sender.HeloName}, {sender.Source}) has no PTR record: Gmail, Yahoo and Microsoft refuse or junk mail from addresses without reverse DNS. "
                + "Ask whoever owns the address (your hosting provider or ISP) to set this PTR record.",
                null, arpa, "PTR", sender.HeloName + ".");
        var confirmed = new List<string>();
        foreach (var name in ptr.Records.Take(10))
        {
            var forward = await dns.Dns.AddressesAsync(name, sender.Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6, cancellationToken);
            if (forward.Records.Any(a => a.Equals(sender.Address)))
                confirmed.Add(name);
        }
        var found = $"{arpa} PTR {string.Join(", ", ptr.Records)}";
        if (confirmed.Count == 0)
            return new(id, Area, title, DomainHealthStatus.Fail,
                $"The PTR record of {sender.Address} names {string.Join(", ", ptr.Records)}, which {(ptr.Records.Count == 1 ? "does" : "do")} not resolve back to {sender.Address}: "
                + "reverse DNS is not forward-confirmed, and receivers treat the address as unidentified. "
                + $"Set the PTR record to {sender.HeloName} (which resolves to {sender.Address}), or point the PTR name's A record at the address.",
                found, arpa, "PTR", sender.HeloName + ".");
        if (!confirmed.Contains(sender.HeloName, StringComparer.OrdinalIgnoreCase))
            return new(id, Area, title, DomainHealthStatus.Warn,
                $"{sender.Address} is forward-confirmed as {confirmed[0]}, but the node says {sender.HeloName} in EHLO. Some receivers score a HELO name that differs from reverse DNS as suspicious; "
                + "set the PTR record to the HELO name (or the HELO name to the PTR name).",
                found, arpa, "PTR", sender.HeloName + ".");
        return new(id, Area, title, DomainHealthStatus.Ok,
            $"{sender.Address} has forward-confirmed reverse DNS {sender.HeloName}, the name it says in EHLO ({sender.Source}).", found);
    }
}
