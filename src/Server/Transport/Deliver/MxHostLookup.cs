using Mailflow.Server.Transport.Route;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Deliver;

/// <summary>
/// Delivery's view of the router's DNS (<see cref="MxResolver"/>): MX hosts in preference order, a
/// permanent failure for a domain that takes no mail (null MX 5.1.10, NXDOMAIN 5.1.2), a temporary
/// one when DNS did not answer. When Mailflow uses its own DNS servers (<c>Mailflow:Dns:Servers</c>)
/// the hosts are given by address, so the connection follows the same DNS the route was chosen
/// with; otherwise by name, so certificate names can be checked against the MX host.
/// </summary>
public sealed class MxHostLookup(MxResolver resolver, IOptions<DnsOptions> dns) : ISmtpHostLookup
{
    public async Task<DeliveryTargetResolution> LookupAsync(string domain, int port, CancellationToken cancellationToken)
    {
        var resolution = await resolver.ResolveAsync(domain, cancellationToken);
        switch (resolution.Status)
        {
            case MxResolutionStatus.Resolved:
                var byAddress = dns.Value.Servers.Count > 0;
                var hosts = resolution.Hosts
                    .SelectMany(h => byAddress && !h.Addresses.IsEmpty
                        ? h.Addresses.Select(a => new DeliveryHost(a.ToString(), port) { MxName = h.Name.TrimEnd('.') })
                        : [new DeliveryHost(h.Name.TrimEnd('.'), port) { MxName = h.Name.TrimEnd('.') }])
                    .Distinct()
                    .ToList();
                return DeliveryTargetResolution.Of(new DeliveryTarget("", DeliveryTargetKind.Smtp) { Hosts = hosts });
            case MxResolutionStatus.PermanentFailure:
                return DeliveryTargetResolution.Failed(new DeliveryReply(550, resolution.EnhancedStatusCode ?? "5.4.4", resolution.Reason ?? $"{domain} does not accept mail"));
            default:
                return DeliveryTargetResolution.Failed(new DeliveryReply(451, resolution.EnhancedStatusCode ?? "4.4.3", resolution.Reason ?? $"DNS lookup for {domain} failed; will retry"));
        }
    }
}
