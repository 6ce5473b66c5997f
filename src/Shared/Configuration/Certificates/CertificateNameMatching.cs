using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;

namespace Mailflow.Configuration;

/// <summary>
/// Whether a stored certificate's names cover a host name, the way a verifying client decides it
/// (RFC 6125 section 6.4, as <see cref="X509Certificate2.MatchesHostname"/> does): the subject
/// alternative name DNS entries when there are any, else the subject's common name; a wildcard
/// stands for exactly one whole left-most label (section 6.4.3), so <c>*.contoso.com</c> covers
/// <c>mx.contoso.com</c> but neither <c>contoso.com</c> nor <c>a.mx.contoso.com</c>.
/// Works on the descriptive fields alone, so the key material stays protected.
/// </summary>
public static class CertificateNameMatching
{
    public static bool Covers(TlsCertificate certificate, string hostName)
    {
        var host = Normalize(hostName);
        if (host.Length == 0)
            return false;
        // RFC 6125 section 6.4.4: the common name is checked only when there is no DNS-ID.
        var names = certificate.DnsNames.Count > 0 ? certificate.DnsNames : CommonNames(certificate.Subject);
        return names.Any(n => Matches(Normalize(n), host));
    }

    /// <summary>The names a client would check, for messages: the SAN DNS names, or the common name when there are none.</summary>
    public static IReadOnlyList<string> PresentedNames(TlsCertificate certificate) =>
        certificate.DnsNames.Count > 0 ? certificate.DnsNames : CommonNames(certificate.Subject);

    private static bool Matches(string pattern, string host)
    {
        if (pattern.Length == 0)
            return false;
        if (!pattern.StartsWith("*.", StringComparison.Ordinal))
            return pattern == host;
        var firstDot = host.IndexOf('.', StringComparison.Ordinal);
        return firstDot > 0 && host[(firstDot + 1)..] == pattern[2..];
    }

    private static string Normalize(string name) => name.Trim().TrimEnd('.').ToLowerInvariant();

    private static List<string> CommonNames(string subject)
    {
        if (string.IsNullOrWhiteSpace(subject))
            return [];
        try
        {
            return [.. new X500DistinguishedName(subject).EnumerateRelativeDistinguishedNames()
                
                .Where(r => !r.HasMultipleElements && r.GetSingleElementType().Value == "2.5.4.3")
                .Select(r => r.GetSingleElementValue() ?? "")];
        }
        catch (CryptographicException)
        {
            return [];
        }
    }
}
