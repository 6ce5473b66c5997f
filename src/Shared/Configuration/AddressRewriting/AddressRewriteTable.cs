using System.Collections.Immutable;

namespace Mailflow.Configuration;

/// <summary>One address rewritten by an entry, worded for the message trace and "Test mail flow".</summary>
public sealed record AddressRewrite(string From, string To, AddressRewriteEntry Entry)
{
    public string Description => $"rewritten {From} → {To} by address rewriting entry '{Entry.Name}'";
}

/// <summary>
/// The enabled address rewriting entries of one configuration generation, parsed once, and the
/// two directions the engine asks about. The most specific entry decides (an address before its
/// domain, a domain before <c>*.</c>subdomains, a deeper subdomain before a shallower one); when its
/// exception list covers the address, the address stays as it is.
/// </summary>
public sealed class AddressRewriteTable
{
    private sealed record Parsed(AddressRewriteEntry Entry, AddressPattern Internal, AddressPattern External, ImmutableArray<AddressPattern> Exceptions);

    private readonly ImmutableArray<Parsed> _outbound;
    private readonly ImmutableArray<Parsed> _inbound;

    public AddressRewriteTable(IEnumerable<AddressRewriteEntry> entries)
    {
        var parsed = new List<Parsed>();
        foreach (var entry in entries.Where(e => e.Enabled))
        {
            // Stored entries were validated; one that no longer parses is skipped rather than guessed at.
            if (!AddressPattern.TryParse(entry.InternalAddress, out var inside, out _) || !AddressPattern.TryParse(entry.ExternalAddress, out var outside, out _))
                continue;
            var exceptions = entry.ExceptionList.Select(e => AddressPattern.TryParse(e, out var p, out _) ? p : null).OfType<AddressPattern>().ToImmutableArray();
            parsed.Add(new Parsed(entry, inside, outside, exceptions));
        }
        _outbound = [.. parsed.OrderBy(p => Specificity(p.Internal)).ThenBy(p => p.Entry.Name, StringComparer.Ordinal)];
        _inbound = [.. parsed.Where(p => !p.Entry.OutboundOnly && p.Internal.Kind != AddressPatternKind.Subdomains)
            .OrderBy(p => Specificity(p.External)).ThenBy(p => p.Entry.Name, StringComparer.Ordinal)];
    }

    public bool IsEmpty => _outbound.IsEmpty;
    public bool HasInbound => !_inbound.IsEmpty;

    /// <summary>The external form of an internal <paramref name="address"/>, or null when no entry rewrites it.</summary>
    public AddressRewrite? Outbound(string address)
    {
        var match = _outbound.FirstOrDefault(p => p.Internal.Matches(address));
        if (match is null || match.Exceptions.Any(e => e.Matches(address)))
            return null;
        var rewritten = match.Internal.Kind == AddressPatternKind.Address ? match.External.Value : LocalPart(address) + "@" + match.External.Value;
        return string.Equals(rewritten, address, StringComparison.OrdinalIgnoreCase) ? null : new AddressRewrite(address, rewritten, match.Entry);
    }

    /// <summary>The internal form of an external <paramref name="address"/> (entries that are not outbound only), or null.</summary>
    public AddressRewrite? Inbound(string address)
    {
        var match = _inbound.FirstOrDefault(p => p.External.Matches(address));
        if (match is null)
            return null;
        var rewritten = match.Internal.Kind == AddressPatternKind.Address ? match.Internal.Value : LocalPart(address) + "@" + match.Internal.Value;
        if (match.Exceptions.Any(e => e.Matches(rewritten)) || string.Equals(rewritten, address, StringComparison.OrdinalIgnoreCase))
            return null;
        return new AddressRewrite(address, rewritten, match.Entry);
    }

    /// <summary>Whether some inbound entry takes mail for <paramref name="domain"/> (the receive stage accepts RCPT for it as for the internal domain).</summary>
    public string? InboundInternalDomainFor(string domain)
    {
        var match = _inbound.FirstOrDefault(p => p.External.Kind == AddressPatternKind.Domain
            ? string.Equals(p.External.Value, domain, StringComparison.OrdinalIgnoreCase)
            : string.Equals(MailAddressRules.DomainOf(p.External.Value), domain, StringComparison.OrdinalIgnoreCase));
        return match is null ? null : match.Internal.Kind == AddressPatternKind.Address ? MailAddressRules.DomainOf(match.Internal.Value) : match.Internal.Value;
    }

    private static string LocalPart(string address) => address[..address.LastIndexOf('@')];

    /// <summary>Lower sorts first: addresses, then domains, then subdomains deepest first.</summary>
    private static int Specificity(AddressPattern pattern) => pattern.Kind switch
    {
        AddressPatternKind.Address => 0,
        AddressPatternKind.Domain => 1,
        _ => 1000 - pattern.Value.Count(c => c == '.'),
    };

    public static AddressRewriteTable Empty { get; } = new([]);
}
