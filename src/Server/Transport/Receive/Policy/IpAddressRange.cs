using System.Buffers.Binary;
using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace Mailflow.Server.Transport.Receive.Policy;

/// <summary>
/// A range of client addresses as receive connectors write them (Exchange's RemoteIPRanges):
/// a single address (<c>192.0.2.7</c>, <c>2001:db8::1</c>), a CIDR block (<c>10.0.0.0/8</c>,
/// <c>2001:db8::/32</c>) or an inclusive range (<c>10.0.0.1-10.0.0.9</c>).
/// IPv4-mapped IPv6 client addresses (<c>::ffff:192.0.2.7</c>, what a dual-stack socket reports)
/// are matched as IPv4. <see cref="Size"/> orders matches by specificity: the smaller the range,
/// the more specific (Exchange picks the connector with the most specific match).
/// </summary>
public sealed class IpAddressRange
{
    private readonly AddressFamily _family;
    private readonly UInt128 _first;
    private readonly UInt128 _last;

    private IpAddressRange(AddressFamily family, UInt128 first, UInt128 last, string text)
    {
        _family = family;
        _first = first;
        _last = last;
        Text = text;
    }

    public string Text { get; }

    /// <summary>Number of addresses in the range minus one (0 for a single address).</summary>
    public UInt128 Size => _last - _first;

    public static IpAddressRange Parse(string text) =>
        TryParse(text, out var range) ? range : throw new FormatException($"'{text}' is not an IP address, CIDR block or address range.");

    public static bool TryParse(string text, out IpAddressRange range)
    {
        range = null!;
        var trimmed = text.Trim();
        var slash = trimmed.IndexOf('/');
        if (slash >= 0)
        {
            if (!TryParseAddress(trimmed[..slash], out var network, out var family)
                || !int.TryParse(trimmed[(slash + 1)..], out var prefix))
                return false;
            var bits = family == AddressFamily.InterNetwork ? 32 : 128;
            if (prefix < 0 || prefix > bits)
                return false;
            var hostBits = bits - prefix;
            var hostMask = hostBits == 128 ? UInt128.MaxValue : (UInt128.One << hostBits) - 1;
            var first = network & ~hostMask;
            range = new IpAddressRange(family, first, first | hostMask, trimmed);
            return true;
        }
        var dash = trimmed.IndexOf('-');
        if (dash >= 0)
        {
            if (!TryParseAddress(trimmed[..dash], out var first, out var family)
                || !TryParseAddress(trimmed[(dash + 1)..], out var last, out var lastFamily)
                || family != lastFamily || last < first)
                return false;
            range = new IpAddressRange(family, first, last, trimmed);
            return true;
        }
        if (!TryParseAddress(trimmed, out var single, out var singleFamily))
            return false;
        range = new IpAddressRange(singleFamily, single, single, trimmed);
        return true;
    }

    public bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != _family)
            return false;
        var value = ToNumber(address);
        return value >= _first && value <= _last;
    }

    public override string ToString() => Text;

    private static bool TryParseAddress(string text, out UInt128 value, out AddressFamily family)
    {
        value = default;
        family = default;
        if (!IPAddress.TryParse(text.Trim(), out var address))
            return false;
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        // IPAddress.TryParse accepts "10" or "10.1" as IPv4; connector ranges must be written out.
        if (address.AddressFamily == AddressFamily.InterNetwork && text.Trim().Count(c => c == '.') != 3)
            return false;
        family = address.AddressFamily;
        value = ToNumber(address);
        return true;
    }

    private static UInt128 ToNumber(IPAddress address)
    {
        Span<byte> bytes = stackalloc byte[16];
        address.TryWriteBytes(bytes, out var written);
        return written == 4
            ? BinaryPrimitives.ReadUInt32BigEndian(bytes)
            : BinaryPrimitives.ReadUInt128BigEndian(bytes);
    }
}
