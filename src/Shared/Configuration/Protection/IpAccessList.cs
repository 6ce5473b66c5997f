using System.Net;
using Mailflow.Net;

namespace Mailflow.Configuration;

/// <summary>
/// The IP allow and block lists of one configuration generation, parsed once. An address on the
/// allow list is allowed whatever the block list says (Exchange: the IP Allow List wins).
/// </summary>
public sealed class IpAccessList
{
    private readonly (IpRange Range, IpListEntry Entry)[] _allow;
    private readonly (IpRange Range, IpListEntry Entry)[] _block;

    public IpAccessList(IEnumerable<IpListEntry> entries)
    {
        var parsed = entries
            .Select(e => (Ok: IpListEntry.TryParseRange(e.Range, out var range, out _), Range: range, Entry: e))
            .Where(e => e.Ok)
            .ToArray();
        _allow = [.. parsed.Where(e => e.Entry.List == IpListKind.Allow).Select(e => (e.Range, e.Entry))];
        _block = [.. parsed.Where(e => e.Entry.List == IpListKind.Block).Select(e => (e.Range, e.Entry))];
    }

    /// <summary>The allow-list entry covering <paramref name="address"/> at <paramref name="now"/>, if any.</summary>
    public IpListEntry? FindAllowed(IPAddress address, DateTimeOffset now) => Find(_allow, address, now);

    /// <summary>The block-list entry covering <paramref name="address"/> at <paramref name="now"/>, if any.</summary>
    public IpListEntry? FindBlocked(IPAddress address, DateTimeOffset now) => Find(_block, address, now);

    private static IpListEntry? Find((IpRange Range, IpListEntry Entry)[] list, IPAddress address, DateTimeOffset now)
    {
        foreach (var (range, entry) in list)
            if (entry.IsActiveAt(now) && range.Contains(address))
                return entry;
        return null;
    }
}
