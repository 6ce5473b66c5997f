using System.Net;
using System.Net.Sockets;

namespace Mailflow.Net;

/// <summary>
/// The key a client address is throttled under. An IPv6 host usually owns a whole /64 (SLAAC, privacy
/// addresses), so IPv6 is grouped by its /64 prefix; IPv4 (and IPv4-mapped IPv6) stays per address.
/// </summary>
public static class ClientAddressKey
{
    public static string For(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != AddressFamily.InterNetworkV6)
            return address.ToString();
        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return new IPAddress(bytes) + "/64";
    }
}
