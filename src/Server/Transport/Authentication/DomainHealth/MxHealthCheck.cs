using Mailflow.DomainHealth;

namespace Mailflow.Server.Transport.Authentication.DomainHealth;

/// <summary>MX: the domain names the hosts that receive its mail (RFC 5321 §5.1), each with an address; a null MX (RFC 7505) says it receives none.</summary>
public sealed class MxHealthCheck(DomainHealthDns dns)
{
    public const string Id = "mx";
    private const string Area = "MX";

    /// <param name="suggestedHost">The host to suggest in the record to publish (this node's name).</param>
    public async Task<DomainHealthCheck> CheckAsync(string domain, string suggestedHost, CancellationToken cancellationToken)
    {
        var mx = await dns.Dns.MxAsync(domain, cancellationToken);
        if (mx.Failed)
            return new(Id, Area, "MX records could not be read", DomainHealthStatus.Warn, $"DNS did not answer for the MX records of {domain} ({mx.Error}); the next check tries again.");
        if (mx.IsVoid)
            return new(Id, Area, "No MX record", DomainHealthStatus.Fail,
                $"{domain} publishes no MX record, so senders fall back to its A record or cannot deliver to it at all. Publish an MX record that names your Mailflow server.",
                null, domain, "MX", $"10 {suggestedHost}.");
        var hosts = mx.Records.ToList();
        if (hosts.Count == 1 && hosts[0].Length == 0)
            return new(Id, Area, "Null MX: the domain receives no mail", DomainHealthStatus.Fail,
                $"{domain} publishes a null MX (\"MX 0 .\", RFC 7505): senders refuse to send to it. Replace it with an MX record that names your Mailflow server.",
                "0 .", domain, "MX", $"10 {suggestedHost}.");
        var found = new List<string>();
        var unresolved = new List<string>();
        foreach (var host in hosts.Where(h => h.Length > 0))
        {
            var v4 = await dns.Dns.AddressesAsync(host, ipv6: false, cancellationToken);
            var v6 = await dns.Dns.AddressesAsync(host, ipv6: true, cancellationToken);
            var addresses = v4.Records.Concat(v6.Records).ToList();
            found.Add(addresses.Count == 0 ? host : $"{host} ({string.Join(", ", addresses)})");
            if (addresses.Count == 0 && !v4.Failed && !v6.Failed)
                unresolved.Add(host);
        }
        var listed = string.Join("; ", found);
        if (unresolved.Count == hosts.Count)
            return new(Id, Area, "MX hosts have no address", DomainHealthStatus.Fail,
                $"The MX host{(unresolved.Count == 1 ? "" : "s")} {string.Join(", ", unresolved)} of {domain} {(unresolved.Count == 1 ? "has" : "have")} no A or AAAA record: nobody can deliver to {domain}. Publish the address of each host.",
                listed, unresolved[0], "A", "<the public IPv4 address of this host>");
        if (unresolved.Count > 0)
            return new(Id, Area, "An MX host has no address", DomainHealthStatus.Warn,
                $"{string.Join(", ", unresolved)} {(unresolved.Count == 1 ? "has" : "have")} no A or AAAA record; senders skip {(unresolved.Count == 1 ? "it" : "them")} and use the other MX hosts.",
                listed, unresolved[0], "A", "<the public IPv4 address of this host>");
        return new(Id, Area, "MX records", DomainHealthStatus.Ok, $"{domain} receives mail at {string.Join(", ", hosts)}.", listed);
    }
}
