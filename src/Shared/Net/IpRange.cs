using System.Net;
using System.Net.Sockets;
using System.Numerics;

namespace Mailflow.Net;

/// <summary>
/// A contiguous range of IP addresses as admins write them: CIDR (<c>10.0.0.0/8</c>, <c>2001:db8::/32</c>),
/// a single address, or a dash range (<c>10.0.0.1-10.0.0.99</c>). IPv4-mapped IPv6 client addresses
/// match IPv4 ranges. <see cref="Size"/> orders ranges by specificity: fewer addresses = more specific.
/// </summary>
public sealed class IpRange : IEquatable<IpRange>
{
    private readonly BigInteger _first;
    private readonly BigInteger _last;

    private IpRange(AddressFamily family, BigInteger first, BigInteger last, string text)
    {
        Family = family;
        _first = first;
        _last = last;
        Text = text;
    }

    public AddressFamily Family { get; }
    public string Text { get; }
    public BigInteger Size => _last - _first + 1;

    public static IpRange Parse(string text) =>
        TryParse(text, out var range, out var error) ? range : throw new FormatException(error);

    /// <param name="error">A message for the admin, e.g. "10.0.0.0/33 is not a valid CIDR range".</param>
    public static bool TryParse(string? text, out IpRange range, out string? error)
    {
        range = null!;
        error = null;
        var t = (text ?? "").Trim();
        if (t.Length == 0)
        {
            error = "Enter an IP address, a CIDR range (10.0.0.0/8) or a range (10.0.0.1-10.0.0.9).";
            return false;
        }
        var slash = t.IndexOf('/');
        if (slash >= 0)
        {
            if (!IPAddress.TryParse(t[..slash], out var network) || !int.TryParse(t[(slash + 1)..], out var prefix)
                || prefix < 0 || prefix > Bits(network.AddressFamily))
            {
                error = $"{t} is not a valid CIDR range: write an address, a slash and a prefix length up to 32 (IPv4) or 128 (IPv6).";
                return false;
            }
            var bits = Bits(network.AddressFamily);
            var value = ToNumber(network);
            var hostBits = bits - prefix;
            var mask = (BigInteger.One << hostBits) - 1;
            var first = value & ~mask & ((BigInteger.One << bits) - 1);
            range = new IpRange(network.AddressFamily, first, first | mask, $"{ToAddress(first, network.AddressFamily)}/{prefix}");
            return true;
        }
        var dash = t.IndexOf('-');
        if (dash >= 0)
        {
            if (!IPAddress.TryParse(t[..dash].Trim(), out var a) || !IPAddress.TryParse(t[(dash + 1)..].Trim(), out var b)
                || a.AddressFamily != b.AddressFamily)
            {
                error = $"{t} is not a valid address range: write two addresses of the same family, e.g. 10.0.0.1-10.0.0.9.";
                return false;
            }
            var first = ToNumber(a);
            var last = ToNumber(b);
            if (first > last)
            {
                error = $"{t} is not a valid address range: the first address is higher than the last.";
                return false;
            }
            range = new IpRange(a.AddressFamily, first, last, $"{a}-{b}");
            return true;
        }
        if (!IPAddress.TryParse(t, out var single) || t.Count(c => c == '.') is > 0 and < 3)
        {
            error = $"{t} is not a valid IP address.";
            return false;
        }
        var n = ToNumber(single);
        range = new IpRange(single.AddressFamily, n, n, single.ToString());
        return true;
    }

    public bool Contains(IPAddress address)
    {
        if (address.IsIPv4MappedToIPv6)
            address = address.MapToIPv4();
        if (address.AddressFamily != Family)
            return false;
        var n = ToNumber(address);
        return n >= _first && n <= _last;
    }

    /// <summary>Whether every address of <paramref name="other"/> is in this range.</summary>
    public bool Covers(IpRange other) => Family == other.Family && _first <= other._first && other._last <= _last;

    public bool Overlaps(IpRange other) => Family == other.Family && _first <= other._last && other._first <= _last;

    public bool Equals(IpRange? other) => other is not null && Family == other.Family && _first == other._first && _last == other._last;
    public override bool Equals(object? obj) => Equals(obj as IpRange);
    public override int GetHashCode() => HashCode.Combine(Family, _first, _last);
    public override string ToString() => Text;

    private static int Bits(AddressFamily family) => family == AddressFamily.InterNetworkV6 ? 128 : 32;

    private static BigInteger ToNumber(IPAddress address) => new(address.GetAddressBytes(), isUnsigned: true, isBigEndian: true);

    private static IPAddress ToAddress(BigInteger value, AddressFamily family)
    {
        var length = family == AddressFamily.InterNetworkV6 ? 16 : 4;
        var bytes = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var padded = new byte[length];
        bytes.CopyTo(padded, length - bytes.Length);
        return new IPAddress(padded);
    }
}
