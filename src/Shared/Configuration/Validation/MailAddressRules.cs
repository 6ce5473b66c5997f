using System.Text.RegularExpressions;

namespace Mailflow.Configuration;

/// <summary>Addresses as admins type them for recipients: a dot-atom local part (RFC 5322 §3.2.3, UTF-8 allowed per RFC 6531) @ a domain.</summary>
public static partial class MailAddressRules
{
    public static bool TryNormalize(string? text, out string normalized, out string? error)
    {
        normalized = "";
        var t = (text ?? "").Trim();
        var at = t.LastIndexOf('@');
        if (at <= 0 || at == t.Length - 1)
        {
            error = $"'{t}' is not an email address: write it as name@domain.";
            return false;
        }
        var local = t[..at];
        if (local.Length > 64 || !LocalPartPattern().IsMatch(local))
        {
            error = $"'{t}' is not an email address: the part before @ may use letters, digits and !#$%&'*+/=?^_`{{|}}~- separated by single dots, at most 64 characters.";
            return false;
        }
        if (!DomainNameRules.TryNormalize(t[(at + 1)..], out var domain, out var domainError))
        {
            error = $"'{t}' is not an email address: {domainError}";
            return false;
        }
        normalized = local + "@" + domain;
        error = null;
        return true;
    }

    public static string DomainOf(string address) => address[(address.LastIndexOf('@') + 1)..];

    [GeneratedRegex(@"^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$", RegexOptions.CultureInvariant)]
    private static partial Regex LocalPartPattern();
}
