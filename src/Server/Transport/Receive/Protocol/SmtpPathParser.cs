using System.Net;
using System.Net.Sockets;

namespace Mailflow.Server.Transport.Receive.Protocol;

/// <summary>
/// Parses RFC 5321 §4.1.2 paths: <c>"&lt;" [ A-d-l ":" ] Mailbox "&gt;"</c>.
/// <list type="bullet">
/// <item>Local part: Dot-string or Quoted-string (quoted pairs allowed).</item>
/// <item>Domain: LDH labels, no empty label, no trailing dot (a trailing dot is a classic relay
///   trick: <c>user@local.</c> must not match an accepted domain <c>local</c> by accident),
///   at most 255 octets (§4.5.3.1.2); or an IPv4/IPv6 address literal (§4.1.3).</item>
/// <item>Source routes (<c>&lt;@a,@b:user@c&gt;</c>) are accepted for syntax and stripped, as §4.1.1.3
///   and Appendix C tell servers to do; the route is never followed.</item>
/// <item>UTF-8 in local part or domain is accepted here (RFC 6531 atext/qtext/U-label); the session
///   refuses it unless the transaction declared SMTPUTF8.</item>
/// </list>
/// </summary>
public static class SmtpPathParser
{
    private const int MaxDomainLength = 255;

    /// <summary>Parses the text between <c>&lt;</c> and <c>&gt;</c> (brackets excluded).</summary>
    /// <returns>False when the path is not valid syntax.</returns>
    public static bool TryParseMailbox(ReadOnlySpan<char> inner, out SmtpAddress address)
    {
        address = null!;
        var hadRoute = false;
        if (inner.Length > 0 && inner[0] == '@')
        {
            // A-d-l = At-domain *( "," At-domain ), then ':'.
            var colon = inner.IndexOf(':');
            if (colon < 0)
                return false;
            foreach (var range in inner[..colon].Split(','))
            {
                var atDomain = inner[..colon][range];
                if (atDomain.Length < 2 || atDomain[0] != '@' || !IsDomain(atDomain[1..]))
                    return false;
            }
            inner = inner[(colon + 1)..];
            hadRoute = true;
        }

        if (!TryReadLocalPart(inner, out var localLength, out var quoted))
            return false;
        var local = inner[..localLength];
        var rest = inner[localLength..];
        if (rest.Length < 2 || rest[0] != '@')
            return false;
        var domain = rest[1..];
        if (domain[0] == '[')
        {
            if (!IsAddressLiteral(domain))
                return false;
            address = new SmtpAddress(local.ToString(), domain.ToString().ToLowerInvariant(), quoted, IsAddressLiteral: true, hadRoute);
            return true;
        }
        if (!IsDomain(domain))
            return false;
        address = new SmtpAddress(local.ToString(), domain.ToString().ToLowerInvariant(), quoted, IsAddressLiteral: false, hadRoute);
        return true;
    }

    /// <summary>A domain name (RFC 5321 §4.1.2 Domain, plus RFC 6531 U-labels): LDH labels separated by single dots.</summary>
    public static bool IsDomain(ReadOnlySpan<char> domain)
    {
        if (domain.IsEmpty || System.Text.Encoding.UTF8.GetByteCount(domain) > MaxDomainLength)
            return false;
        foreach (var range in domain.Split('.'))
        {
            var label = domain[range];
            if (label.IsEmpty || label.Length > 63 || label[0] == '-' || label[^1] == '-')
                return false;
            foreach (var c in label)
            {
                if (!(char.IsAsciiLetterOrDigit(c) || c == '-' || c > 0x7F))
                    return false;
            }
        }
        return true;
    }

    /// <summary>RFC 5321 §4.1.3: <c>[192.0.2.1]</c> or <c>[IPv6:2001:db8::1]</c>. General literals are refused.</summary>
    public static bool IsAddressLiteral(ReadOnlySpan<char> literal)
    {
        if (literal.Length < 3 || literal[0] != '[' || literal[^1] != ']')
            return false;
        var content = literal[1..^1];
        if (content.StartsWith("IPv6:", StringComparison.OrdinalIgnoreCase))
            return IPAddress.TryParse(content[5..], out var v6) && v6.AddressFamily == AddressFamily.InterNetworkV6;
        // Dotted quad only: IPAddress.TryParse would also take "1" or "0x7f.1".
        var parts = 0;
        foreach (var range in content.Split('.'))
        {
            var part = content[range];
            if (part.IsEmpty || part.Length > 3 || !int.TryParse(part, out var value) || value > 255 || !IsAllDigits(part))
                return false;
            parts++;
        }
        return parts == 4;
    }

    private static bool TryReadLocalPart(ReadOnlySpan<char> text, out int length, out bool quoted)
    {
        length = 0;
        quoted = false;
        if (text.IsEmpty)
            return false;
        if (text[0] == '"')
        {
            quoted = true;
            for (var i = 1; i < text.Length; i++)
            {
                var c = text[i];
                if (c == '\\')
                {
                    // quoted-pairSMTP = %d92 %d32-126
                    if (i + 1 >= text.Length || text[i + 1] < 32 || text[i + 1] > 126)
                        return false;
                    i++;
                    continue;
                }
                if (c == '"')
                {
                    length = i + 1;
                    return true;
                }
                // qtextSMTP = %d32-33 / %d35-91 / %d93-126, plus UTF8-non-ascii (RFC 6531)
                if (c < 32 || c == 127)
                    return false;
            }
            return false;
        }

        // Dot-string = Atom *("." Atom)
        var previousWasDot = true;
        var i2 = 0;
        for (; i2 < text.Length && text[i2] != '@'; i2++)
        {
            var c = text[i2];
            if (c == '.')
            {
                if (previousWasDot)
                    return false;
                previousWasDot = true;
                continue;
            }
            if (!IsAtext(c))
                return false;
            previousWasDot = false;
        }
        if (i2 == 0 || previousWasDot)
            return false;
        length = i2;
        return true;
    }

    /// <summary>RFC 5322 atext, plus UTF8-non-ascii under RFC 6531.</summary>
    private static bool IsAtext(char c) =>
        char.IsAsciiLetterOrDigit(c) || c > 0x7F || "!#$%&'*+-/=?^_`{|}~".Contains(c);

    private static bool IsAllDigits(ReadOnlySpan<char> text)
    {
        foreach (var c in text)
        {
            if (!char.IsAsciiDigit(c))
                return false;
        }
        return true;
    }
}
