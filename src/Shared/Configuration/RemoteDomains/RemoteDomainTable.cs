using System.Collections.Frozen;
using System.Collections.Immutable;

namespace Mailflow.Configuration;

/// <summary>
/// The remote domains of one configuration generation, indexed once: <see cref="Find"/> answers which
/// entry covers a domain — the entry naming it exactly, else the <c>*.</c>entry with the longest suffix
/// that covers it, else the default <c>*</c> entry (synthesized with every default when the store has
/// none, which only a hand-edited database can cause).
/// </summary>
public sealed class RemoteDomainTable
{
    public static readonly RemoteDomainTable Empty = new([]);

    private readonly FrozenDictionary<string, RemoteDomain> _exact;
    private readonly FrozenDictionary<string, RemoteDomain> _subdomains;

    public RemoteDomainTable(IEnumerable<RemoteDomain> entries)
    {
        var list = entries.ToImmutableArray();
        Entries = list;
        Default = list.FirstOrDefault(e => e.IsDefault) ?? RemoteDomain.CreateDefault();
        _exact = list.Where(e => !e.IsDefault && !e.DomainName.StartsWith("*.", StringComparison.Ordinal))
            .ToFrozenDictionary(e => e.DomainName, StringComparer.OrdinalIgnoreCase);
        _subdomains = list.Where(e => e.DomainName.StartsWith("*.", StringComparison.Ordinal))
            .ToFrozenDictionary(e => e.DomainName[2..], StringComparer.OrdinalIgnoreCase);
        RestrictsAnything = list.Any(e => e.RestrictsMessages) || Default.RestrictsMessages;
        ShapesAnything = list.Any(e => e.ShapesContent);
        HasTrustedPartners = list.Any(e => e.TrustedPartner);
    }

    public ImmutableArray<RemoteDomain> Entries { get; }
    public RemoteDomain Default { get; }
    /// <summary>Some entry disallows a kind of message: the categorizer must look at outbound content.</summary>
    public bool RestrictsAnything { get; }
    /// <summary>Some entry sets a character set or a line-wrap length.</summary>
    public bool ShapesAnything { get; }
    public bool HasTrustedPartners { get; }

    /// <summary>The entry that covers <paramref name="domain"/> (never null).</summary>
    public RemoteDomain Find(string domain)
    {
        var name = domain.TrimEnd('.');
        if (_exact.TryGetValue(name, out var exact))
            return exact;
        // Walk up the labels: the first suffix with a *. entry is the longest one.
        for (var dot = name.IndexOf('.'); dot >= 0; dot = name.IndexOf('.', dot + 1))
            if (_subdomains.TryGetValue(name[(dot + 1)..], out var wildcard))
                return wildcard;
        return Default;
    }
}
