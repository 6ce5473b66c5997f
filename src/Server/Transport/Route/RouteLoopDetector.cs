using System.Net;
using System.Net.NetworkInformation;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Agents.Loops;
using Mailflow.Server.Transport.Receive;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Route;

/// <summary>
/// Tells whether a smart host or MX host is this node itself (Postfix's "mail for X loops back to
/// myself"): one of our own host names on a port we listen on, or an address one of our receive
/// listeners is bound to (a wildcard listener takes every address of this machine). Delivery skips
/// such a host and defers with the reason when no other host is left; "Test mail flow" says so.
/// A process without a receive engine (delivery only) has no listener to loop to.
/// </summary>
public sealed class RouteLoopDetector(ReceiveEngine? engine, TransportConfigProvider config, IOptions<MailflowOptions> options, TimeProvider time)
{
    /// <summary>How long the machine's interface addresses are reused before they are read again.</summary>
    private static readonly TimeSpan LocalAddressLifetime = TimeSpan.FromSeconds(30);
    private (DateTimeOffset ReadAt, HashSet<IPAddress> Addresses)? _localAddresses;

    /// <summary>Why the host given by name or address literal is this node, without a DNS lookup; null when it is not (as far as can be told).</summary>
    public string? Check(string host, int port)
    {
        var listening = ListeningEndPoints();
        if (IPAddress.TryParse(host.Trim('[', ']'), out var literal))
            return Check(literal, port, listening);
        if (listening.Any(e => e.Port == port) && OwnHostNames.For(config.Current, options.Value.ResolvedFqdn).Contains(host))
            return $"{host}:{port} is this server: {host} is one of its own host names and it listens on port {port}";
        return null;
    }

    /// <summary>Why the resolved address is one of this node's listeners; null when it is not.</summary>
    public string? Check(IPAddress address, int port) => Check(address, port, ListeningEndPoints());

    private string? Check(IPAddress address, int port, IReadOnlyList<IPEndPoint> listening)
    {
        var target = address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
        foreach (var endPoint in listening.Where(e => e.Port == port))
        {
            var bound = endPoint.Address.IsIPv4MappedToIPv6 ? endPoint.Address.MapToIPv4() : endPoint.Address;
            if (bound.Equals(target))
                return $"{Describe(target, port)} is this server's own receive listener";
            if ((bound.Equals(IPAddress.Any) || bound.Equals(IPAddress.IPv6Any)) && IsLocal(target))
                return $"{Describe(target, port)} is an address of this server, where a receive listener takes every address on port {port}";
        }
        return null;
    }

    private IReadOnlyList<IPEndPoint> ListeningEndPoints() =>
        engine?.Host?.BoundEndPoints.Values.OfType<IPEndPoint>().ToList() ?? [];

    private bool IsLocal(IPAddress address)
    {
        if (IPAddress.IsLoopback(address))
            return true;
        var now = time.GetUtcNow();
        if (_localAddresses is not { } cached || now - cached.ReadAt > LocalAddressLifetime)
        {
            var addresses = NetworkInterface.GetAllNetworkInterfaces()
                .SelectMany(i => i.GetIPProperties().UnicastAddresses.Select(u => u.Address))
                .ToHashSet();
            _localAddresses = cached = (now, addresses);
        }
        return cached.Addresses.Contains(address);
    }

    private static string Describe(IPAddress address, int port) =>
        address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"[{address}]:{port}" : $"{address}:{port}";
}
