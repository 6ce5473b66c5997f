namespace Mailflow.Configuration;

/// <summary>What an address rewriting pattern covers.</summary>
public enum AddressPatternKind
{
    /// <summary>One address: <c>kim@corp.contoso.com</c>.</summary>
    Address,
    /// <summary>Every address of one domain: <c>corp.contoso.com</c>.</summary>
    Domain,
    /// <summary>Every address of every subdomain (not the domain itself): <c>*.contoso.com</c>.</summary>
    Subdomains,
}

/// <summary>
/// One side of an address rewriting entry or one of its exceptions, parsed: the one definition of
/// the syntax (address, domain, <c>*.domain</c>) and of what it matches, used by validation, the
/// engine's <see cref="AddressRewriteTable"/> and the configuration document.
/// </summary>
public sealed record AddressPattern(AddressPatternKind Kind, string Value)
{
    /// <summary>The pattern as stored and shown: <c>kim@corp.contoso.com</c>, <c>corp.contoso.com</c>, <c>*.contoso.com</c>.</summary>
    public string Text => Kind == AddressPatternKind.Subdomains ? "*." + Value : Value;

    /// <summary>Parses an address, a domain or <c>*.domain</c>; normalized (lower-case domain, A-labels).</summary>
    public static bool TryParse(string? text, out AddressPattern pattern, out string? error)
    {
        pattern = null!;
        var trimmed = (text ?? "").Trim();
        if (trimmed.Length == 0)
        {
            error = "Enter an address (kim@contoso.com), a domain (contoso.com) or all subdomains of one (*.contoso.com).";
            return false;
        }
        if (trimmed.Contains('@'))
        {
            if (!MailAddressRules.TryNormalize(trimmed, out var address, out error))
                return false;
            var at = address.LastIndexOf('@');
            pattern = new AddressPattern(AddressPatternKind.Address, address[..at].ToLowerInvariant() + address[at..]);
            return true;
        }
        var subdomains = trimmed.StartsWith("*.", StringComparison.Ordinal);
        if (!DomainNameRules.TryNormalize(subdomains ? trimmed[2..] : trimmed, out var domain, out error))
        {
            error = $"'{trimmed}' is neither an address nor a domain: {error}";
            return false;
        }
        pattern = new AddressPattern(subdomains ? AddressPatternKind.Subdomains : AddressPatternKind.Domain, domain);
        return true;
    }

    /// <summary>Whether <paramref name="address"/> (local@domain, any case) is covered.</summary>
    public bool Matches(string address)
    {
        var at = address.LastIndexOf('@');
        if (at <= 0)
            return false;
        var domain = address[(at + 1)..].TrimEnd('.');
        return Kind switch
        {
            AddressPatternKind.Address => string.Equals(address, Value, StringComparison.OrdinalIgnoreCase),
            AddressPatternKind.Domain => string.Equals(domain, Value, StringComparison.OrdinalIgnoreCase),
            _ => domain.EndsWith("." + Value, StringComparison.OrdinalIgnoreCase),
        };
    }

    /// <summary>Whether everything <paramref name="other"/> covers is also covered by this pattern.</summary>
    public bool Covers(AddressPattern other) => other.Kind switch
    {
        AddressPatternKind.Address => Matches(other.Value),
        AddressPatternKind.Domain => Kind == AddressPatternKind.Domain ? other.Value == Value
            : Kind == AddressPatternKind.Subdomains && other.Value.EndsWith("." + Value, StringComparison.Ordinal),
        _ => Kind == AddressPatternKind.Subdomains && (other.Value == Value || other.Value.EndsWith("." + Value, StringComparison.Ordinal)),
    };
}
