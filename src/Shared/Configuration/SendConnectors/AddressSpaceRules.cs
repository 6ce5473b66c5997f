namespace Mailflow.Configuration;

/// <summary>Send connector address spaces: <c>*</c>, <c>contoso.com</c> or <c>*.contoso.com</c>.</summary>
public static class AddressSpaceRules
{
    public static bool TryNormalize(string? text, out string normalized, out string? error)
    {
        var t = (text ?? "").Trim();
        normalized = "";
        if (t == "*")
        {
            normalized = "*";
            error = null;
            return true;
        }
        var wildcard = t.StartsWith("*.", StringComparison.Ordinal);
        if (!DomainNameRules.TryNormalize(wildcard ? t[2..] : t, out var domain, out error))
        {
            error = $"'{t}' is not an address space: use a domain (contoso.com), its subdomains (*.contoso.com) or * for every domain.";
            return false;
        }
        normalized = wildcard ? "*." + domain : domain;
        return true;
    }

    /// <summary>
    /// How specifically <paramref name="addressSpace"/> matches <paramref name="domain"/>: higher is more
    /// specific (exact &gt; *.parent, nearer parents first &gt; *), or -1 when it does not match.
    /// </summary>
    public static int MatchSpecificity(string addressSpace, string domain)
    {
        domain = domain.TrimEnd('.').ToLowerInvariant();
        if (addressSpace == "*")
            return 0;
        if (addressSpace.StartsWith("*.", StringComparison.Ordinal))
        {
            var parent = addressSpace[2..];
            return domain.EndsWith("." + parent, StringComparison.Ordinal) || domain == parent
                ? 1 + parent.Count(ch => ch == '.') * 2 + 1
                : -1;
        }
        return domain == addressSpace ? 1000 : -1;
    }
}
