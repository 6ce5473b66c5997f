using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text.RegularExpressions;

namespace Mailflow.Server.Transport.Authentication.Spf;

public enum SpfMechanismKind
{
    All,
    Include,
    A,
    Mx,
    Ptr,
    Ip4,
    Ip6,
    Exists,
}

/// <summary>One directive of an SPF record (RFC 7208 §4.6.1, §5): qualifier, mechanism and its arguments.</summary>
public sealed record SpfMechanism(SpfResult Qualifier, SpfMechanismKind Kind, string? DomainSpec, IPAddress? Network, int Cidr4, int Cidr6)
{
    /// <summary>The mechanisms that cost a DNS lookup against the limit of 10 (§4.6.4).</summary>
    public bool CountsAsLookup => Kind is SpfMechanismKind.Include or SpfMechanismKind.A or SpfMechanismKind.Mx or SpfMechanismKind.Ptr or SpfMechanismKind.Exists;
}

/// <summary>
/// A parsed SPF record. The whole record is parsed before anything is evaluated, so that a syntax
/// error anywhere is a permerror (§4.6) whatever the position of the mechanism that would match.
/// </summary>
public sealed partial record SpfRecord(IReadOnlyList<SpfMechanism> Mechanisms, string? Redirect, string? Explanation)
{
    /// <summary>Whether a TXT string is an SPF version 1 record: "v=spf1" then a space or the end (§4.5).</summary>
    public static bool IsSpfRecord(string text) =>
        text.StartsWith("v=spf1", StringComparison.OrdinalIgnoreCase) && (text.Length == 6 || text[6] == ' ');

    /// <exception cref="FormatException">The record is not valid SPF; the message names the term.</exception>
    public static SpfRecord Parse(string text)
    {
        if (!IsSpfRecord(text))
            throw new FormatException("The record does not start with \"v=spf1\".");
        var mechanisms = new List<SpfMechanism>();
        string? redirect = null, explanation = null;
        foreach (var term in text[6..].Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var modifier = ModifierPattern().Match(term);
            if (modifier.Success)
            {
                var name = modifier.Groups["name"].Value.ToLowerInvariant();
                var value = modifier.Groups["value"].Value;
                switch (name)
                {
                    case "redirect":
                        if (redirect is not null)
                            throw new FormatException("The record has more than one redirect= modifier.");
                        redirect = ValidateDomainSpec(value, term);
                        break;
                    case "exp":
                        if (explanation is not null)
                            throw new FormatException("The record has more than one exp= modifier.");
                        explanation = ValidateDomainSpec(value, term);
                        break;
                    default:
                        // Unknown modifiers are ignored (§6), but their value must still be a valid macro-string.
                        SpfMacro.Validate(value, allowExplanationLetters: false);
                        break;
                }
                continue;
            }
            mechanisms.Add(ParseMechanism(term));
        }
        return new SpfRecord(mechanisms, redirect, explanation);
    }

    private static SpfMechanism ParseMechanism(string term)
    {
        var qualifier = term[0] switch
        {
            '+' => SpfResult.Pass,
            '-' => SpfResult.Fail,
            '~' => SpfResult.SoftFail,
            '?' => SpfResult.Neutral,
            _ => (SpfResult?)null,
        };
        var body = qualifier is null ? term : term[1..];
        var nameEnd = body.IndexOfAny([':', '/']);
        var name = (nameEnd < 0 ? body : body[..nameEnd]).ToLowerInvariant();
        var rest = nameEnd < 0 ? "" : body[nameEnd..];
        var q = qualifier ?? SpfResult.Pass;
        switch (name)
        {
            case "all":
                if (rest.Length > 0)
                    throw Bad(term);
                return new(q, SpfMechanismKind.All, null, null, 32, 128);
            case "include":
            case "exists":
                if (!rest.StartsWith(':'))
                    throw new FormatException($"\"{term}\" needs a domain (\"{name}:domain\").");
                return new(q, name == "include" ? SpfMechanismKind.Include : SpfMechanismKind.Exists, ValidateDomainSpec(rest[1..], term), null, 32, 128);
            case "ptr":
                if (rest.Length > 0 && !rest.StartsWith(':'))
                    throw Bad(term);
                return new(q, SpfMechanismKind.Ptr, rest.Length > 0 ? ValidateDomainSpec(rest[1..], term) : null, null, 32, 128);
            case "a":
            case "mx":
            {
                var match = DualCidrPattern().Match(rest);
                if (!match.Success)
                    throw Bad(term);
                var domain = match.Groups["domain"].Value;
                if (domain.Length > 0 && !domain.StartsWith(':'))
                    throw Bad(term);
                var cidr4 = Cidr(match.Groups["c4"], 32, term);
                var cidr6 = Cidr(match.Groups["c6"], 128, term);
                return new(q, name == "a" ? SpfMechanismKind.A : SpfMechanismKind.Mx, domain.Length > 0 ? ValidateDomainSpec(domain[1..], term) : null, null, cidr4, cidr6);
            }
            case "ip4":
            case "ip6":
            {
                if (!rest.StartsWith(':'))
                    throw Bad(term);
                var value = rest[1..];
                var slash = value.IndexOf('/');
                var addressText = slash < 0 ? value : value[..slash];
                var family = name == "ip4" ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
                // ip4 takes dotted quads only (IPAddress.Parse would accept "1" or "1.2").
                if (!IPAddress.TryParse(addressText, out var address) || address.AddressFamily != family
                    || (family == AddressFamily.InterNetwork && !DottedQuadPattern().IsMatch(addressText)))
                    throw new FormatException($"\"{term}\" does not hold a valid {(name == "ip4" ? "IPv4" : "IPv6")} address.");
                var max = family == AddressFamily.InterNetwork ? 32 : 128;
                var prefix = slash < 0 ? max : CidrValue(value[(slash + 1)..], max, term);
                return new(q, name == "ip4" ? SpfMechanismKind.Ip4 : SpfMechanismKind.Ip6, null, address, prefix, prefix);
            }
            default:
                throw new FormatException($"\"{term}\" is not an SPF mechanism or modifier.");
        }
    }

    private static int Cidr(Group group, int max, string term) => group.Success ? CidrValue(group.Value, max, term) : max;

    private static int CidrValue(string text, int max, string term)
    {
        // RFC 7208 §5.6: no leading zeros, 0..32 or 0..128.
        if (text.Length == 0 || text.Length > 3 || !text.All(char.IsAsciiDigit) || (text.Length > 1 && text[0] == '0')
            || int.Parse(text, CultureInfo.InvariantCulture) > max)
            throw new FormatException($"\"{term}\" has an invalid CIDR length \"/{text}\".");
        return int.Parse(text, CultureInfo.InvariantCulture);
    }

    /// <summary>A domain-spec is a macro-string ending in a top label or a macro (§7.1).</summary>
    private static string ValidateDomainSpec(string spec, string term)
    {
        if (spec.Length == 0)
            throw new FormatException($"\"{term}\" has an empty domain.");
        SpfMacro.Validate(spec, allowExplanationLetters: false);
        if (!spec.EndsWith('}'))
        {
            var labels = spec.TrimEnd('.').Split('.');
            var top = labels[^1];
            if (labels.Length < 2 || !TopLabelPattern().IsMatch(top))
                throw new FormatException($"\"{term}\" does not end in a valid domain name.");
        }
        return spec;
    }

    private static FormatException Bad(string term) => new($"\"{term}\" is not a valid SPF term.");

    [GeneratedRegex(@"^(?<name>[A-Za-z][A-Za-z0-9\-_.]*)=(?<value>.*)$")]
    private static partial Regex ModifierPattern();

    [GeneratedRegex(@"^(?<domain>.*?)(?:/(?<c4>[0-9]+))?(?://(?<c6>[0-9]+))?$")]
    private static partial Regex DualCidrPattern();

    [GeneratedRegex(@"^[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}\.[0-9]{1,3}$")]
    private static partial Regex DottedQuadPattern();

    // toplabel = ( *alphanum ALPHA *alphanum ) / ( 1*alphanum "-" *( alphanum / "-" ) alphanum )
    [GeneratedRegex(@"^(?:[A-Za-z0-9]*[A-Za-z][A-Za-z0-9]*|[A-Za-z0-9]+-[A-Za-z0-9\-]*[A-Za-z0-9])$")]
    private static partial Regex TopLabelPattern();
}
