using System.Globalization;
using System.Text.RegularExpressions;

namespace Mailflow.Configuration;

/// <summary>Domain name syntax (RFC 1035 §2.3.4 / RFC 5321 §4.1.2), internationalized names stored as A-labels (RFC 5890).</summary>
public static partial class DomainNameRules
{
    private static readonly IdnMapping Idn = new() { AllowUnassigned = false, UseStd3AsciiRules = true };

    /// <summary>Normalizes to lower-case ASCII without a trailing dot; returns a message a person understands when the text is not a domain name.</summary>
    public static bool TryNormalize(string? text, out string normalized, out string? error)
    {
        normalized = "";
        error = null;
        var trimmed = (text ?? "").Trim();
        if (trimmed.EndsWith('.'))
            trimmed = trimmed[..^1];
        if (trimmed.Length == 0)
        {
            error = "Enter a domain name, for example contoso.com.";
            return false;
        }
        if (trimmed.StartsWith("*.", StringComparison.Ordinal))
        {
            error = $"'{text}' is a wildcard: enter {trimmed[2..]} and tick 'match subdomains' instead.";
            return false;
        }
        if (trimmed.Length > 253)
        {
            error = $"'{text}' is longer than the 253 characters a domain name may have.";
            return false;
        }
        if (trimmed.Split('.').Any(label => label.StartsWith('-') || label.EndsWith('-')))
        {
            error = $"'{text}' is not a valid domain name: a label may not start or end with a hyphen.";
            return false;
        }
        string ascii;
        try
        {
            ascii = Idn.GetAscii(trimmed).ToLowerInvariant();
        }
        catch (ArgumentException)
        {
            error = $"'{text}' is not a valid domain name: use letters, digits and hyphens in dot-separated labels.";
            return false;
        }
        if (ascii.Length > 253)
        {
            error = $"'{text}' is longer than the 253 characters a domain name may have.";
            return false;
        }
        if (!ascii.Contains('.'))
        {
            error = $"'{text}' has no dot: enter a full domain name such as {ascii}.com.";
            return false;
        }
        if (!HostnamePattern().IsMatch(ascii))
        {
            error = $"'{text}' is not a valid domain name: each label is 1–63 letters, digits or hyphens and may not start or end with a hyphen.";
            return false;
        }
        normalized = ascii;
        return true;
    }

    [GeneratedRegex(@"^(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+$", RegexOptions.CultureInvariant)]
    private static partial Regex HostnamePattern();
}
