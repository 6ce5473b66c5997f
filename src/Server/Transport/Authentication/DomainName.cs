namespace Mailflow.Server.Transport.Authentication;

/// <summary>Domain-name checks shared by SPF, DKIM and DMARC.</summary>
public static class DomainName
{
    /// <summary>A multi-label DNS name: at most 253 octets, labels of 1–63 letters, digits, hyphens or underscores.</summary>
    public static bool IsValid(string? domain)
    {
        if (string.IsNullOrEmpty(domain))
            return false;
        domain = domain.TrimEnd('.');
        if (domain.Length is 0 or > 253)
            return false;
        var labels = domain.Split('.');
        return labels.Length >= 2 && labels.All(l => l.Length is > 0 and <= 63 && l.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'));
    }

    /// <summary>Lower case, no trailing dot.</summary>
    public static string Normalize(string domain) => domain.Trim().TrimEnd('.').ToLowerInvariant();

    /// <summary>Whether <paramref name="name"/> is <paramref name="parent"/> or a subdomain of it (case-insensitive).</summary>
    public static bool IsSameOrSubdomain(string name, string parent)
    {
        name = Normalize(name);
        parent = Normalize(parent);
        return name == parent || name.EndsWith("." + parent, StringComparison.Ordinal);
    }

    /// <summary>The domain of an address (after the last "@"), lower case; empty when there is none.</summary>
    public static string OfAddress(string address)
    {
        var at = address.LastIndexOf('@');
        return at < 0 ? "" : Normalize(address[(at + 1)..]);
    }
}
