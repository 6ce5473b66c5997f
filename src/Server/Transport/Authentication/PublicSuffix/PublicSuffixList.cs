using System.Globalization;

namespace Mailflow.Server.Transport.Authentication.PublicSuffix;

/// <summary>
/// The Public Suffix List rules (normal, wildcard "*.", exception "!") and the organizational
/// domain of RFC 7489 §3.2: the public suffix that matches the most labels, plus one label. With no
/// matching rule the implicit rule "*" applies (the top-level label is the suffix).
/// </summary>
public sealed class PublicSuffixList
{
    private readonly HashSet<string> rules = new(StringComparer.Ordinal);
    private readonly HashSet<string> wildcards = new(StringComparer.Ordinal);
    private readonly HashSet<string> exceptions = new(StringComparer.Ordinal);

    public int RuleCount => rules.Count + wildcards.Count + exceptions.Count;

    /// <summary>Parses the list's text format (one rule per line, "//" comments).</summary>
    public static PublicSuffixList Parse(TextReader reader)
    {
        var list = new PublicSuffixList();
        var idn = new IdnMapping();
        while (reader.ReadLine() is { } line)
        {
            var rule = line.Trim();
            if (rule.Length == 0 || rule.StartsWith("//", StringComparison.Ordinal))
                continue;
            var space = rule.IndexOfAny([' ', '\t']);
            if (space > 0)
                rule = rule[..space];
            var exception = rule.StartsWith('!');
            var wildcard = rule.StartsWith("*.", StringComparison.Ordinal);
            var name = exception ? rule[1..] : wildcard ? rule[2..] : rule;
            try
            {
                name = idn.GetAscii(name).ToLowerInvariant();
            }
            catch (ArgumentException)
            {
                continue; // A rule we cannot put in ASCII can never match an ASCII domain.
            }
            (exception ? list.exceptions : wildcard ? list.wildcards : list.rules).Add(name);
        }
        return list;
    }

    /// <summary>The public suffix of <paramref name="domain"/> (e.g. "co.uk" for "mail.example.co.uk").</summary>
    public string PublicSuffix(string domain)
    {
        var labels = DomainName.Normalize(domain).Split('.');
        // Walk from the longest candidate to the shortest: the first rule that matches has the most labels.
        for (var start = 0; start < labels.Length; start++)
        {
            var candidate = string.Join('.', labels[start..]);
            if (exceptions.Contains(candidate))
                return string.Join('.', labels[(start + 1)..]); // "!www.ck": the suffix is "ck"
            if (rules.Contains(candidate))
                return candidate;
            if (start + 1 < labels.Length && wildcards.Contains(string.Join('.', labels[(start + 1)..])))
                return candidate;
        }
        return labels[^1];
    }

    /// <summary>The organizational domain (RFC 7489 §3.2); a domain that is itself a public suffix is its own.</summary>
    public string OrganizationalDomain(string domain)
    {
        var normalized = DomainName.Normalize(domain);
        var suffix = PublicSuffix(normalized);
        if (normalized.Length <= suffix.Length)
            return normalized;
        var rest = normalized[..(normalized.Length - suffix.Length - 1)];
        var label = rest[(rest.LastIndexOf('.') + 1)..];
        return label + "." + suffix;
    }
}
