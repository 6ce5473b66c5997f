using System.Globalization;
using System.Net;
using System.Text;

namespace Mailflow.Server.Transport.Receive.Session;

/// <summary>
/// The trace header the session prepends to every message (RFC 5321 §4.4):
/// <c>Received: from helo ([ip]) by fqdn with ESMTPSA id ID for &lt;rcpt&gt;; date</c>.
/// No reverse DNS lookup is done, so the TCP-info carries the bare address literal. The protocol
/// keyword follows RFC 3848 (ESMTP/ESMTPS/ESMTPA/ESMTPSA) and RFC 6531 §3.7.3 (UTF8SMTP…).
/// <c>for</c> names the recipient only when there is exactly one (more would disclose Bcc recipients).
/// </summary>
public static class ReceivedHeader
{
    public static byte[] Build(string heloName, bool extended, IPAddress clientAddress, string fqdn,
        bool tls, bool authenticated, bool smtpUtf8, string id, IReadOnlyList<string> recipients, DateTimeOffset date)
    {
        var protocol = (smtpUtf8 ? "UTF8SMTP" : extended ? "ESMTP" : "SMTP")
                       + (tls ? "S" : "") + (authenticated ? "A" : "");
        if (!extended && !smtpUtf8 && (tls || authenticated))
            protocol = "E" + protocol; // RFC 3848 defines only the ESMTP forms for TLS/AUTH
        var address = clientAddress.IsIPv4MappedToIPv6 ? clientAddress.MapToIPv4() : clientAddress;
        var literal = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? $"IPv6:{address}" : address.ToString();
        var builder = new StringBuilder(256);
        builder.Append("Received: from ").Append(Sanitize(heloName, asciiOnly: true)).Append(" ([").Append(literal).Append("])\r\n");
        builder.Append("\tby ").Append(fqdn).Append(" with ").Append(protocol).Append(" id ").Append(id);
        if (recipients.Count == 1)
            builder.Append("\r\n\tfor <").Append(Sanitize(recipients[0], asciiOnly: !smtpUtf8)).Append('>');
        builder.Append("; ").Append(FormatDate(date)).Append("\r\n");
        return Encoding.UTF8.GetBytes(builder.ToString());
    }

    /// <summary>RFC 5322 §3.3 date-time.</summary>
    public static string FormatDate(DateTimeOffset date) =>
        date.ToString("ddd, dd MMM yyyy HH:mm:ss ", CultureInfo.InvariantCulture)
        + (date.Offset < TimeSpan.Zero ? "-" : "+") + date.Offset.ToString("hhmm", CultureInfo.InvariantCulture);

    /// <summary>The HELO name is client-controlled: keep it to printable characters that cannot break the header.</summary>
    private static string Sanitize(string text, bool asciiOnly)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
            builder.Append(c is < '!' or '(' or ')' or ';' or '\\' or '\u007f' || (asciiOnly && c > '~') ? '?' : c);
        return builder.ToString();
    }
}
