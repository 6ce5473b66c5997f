using System.Net;
using System.Net.Sockets;

namespace Mailflow.Configuration;

/// <summary>A DNS block list's return codes as admins write them: one IPv4 address or a dash range.</summary>
public static class DnsBlockListCodes
{
    public static bool TryParse(string? text, out (uint First, uint Last) codes)
    {
        codes = default;
        var t = (text ?? "").Trim();
        var dash = t.IndexOf('-');
        var first = dash < 0 ? t : t[..dash].Trim();
        var last = dash < 0 ? t : t[(dash + 1)..].Trim();
        if (!TryV4(first, out var a) || !TryV4(last, out var b) || a > b)
            return false;
        codes = (a, b);
        return true;
    }

    public static uint ToNumber(IPAddress address)
    {
        var bytes = address.GetAddressBytes();
        return (uint)(bytes[0] << 24 | bytes[1] << 16 | bytes[2] << 8 | bytes[3]);
    }

    private static bool TryV4(string text, out uint value)
    {
        value = 0;
        if (text.Count(c => c == '.') != 3 || !IPAddress.TryParse(text, out var address) || address.AddressFamily != AddressFamily.InterNetwork)
            return false;
        value = ToNumber(address);
        return true;
    }
}
