using System.Net;
using System.Text;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Agents.ConnectionFiltering;

/// <summary>
/// The connection filter's replies (Postfix's wording: "Service unavailable; Client host [ip] blocked
/// using zone; reason"). A DNS block list's own reason (its TXT record) is passed on so a listed
/// sender learns where to ask for removal; it is cut to printable ASCII and a bounded length because
/// it comes from the network.
/// </summary>
public static class ConnectionFilterReplies
{
    private const int MaxReasonLength = 200;

    public static SmtpReply Blocked(IPAddress client) =>
        new(554, "5.7.1", $"Service unavailable; client [{client}] is blocked by this server's policy");

    /// <param name="atRecipient">At RCPT the reply is 550 (RFC 5321 §4.2.2 refuses the recipient, not the session); at connect 554 (§3.1).</param>
    public static SmtpReply Listed(IPAddress client, DnsBlockListHit hit, bool atRecipient)
    {
        var text = $"Service unavailable; client [{client}] blocked using {hit.Zone}";
        if (SafeReason(hit.Reason) is { } reason)
            text += "; " + reason;
        return new(atRecipient ? 550 : 554, "5.7.1", text);
    }

    /// <summary>Printable ASCII only, whitespace collapsed, at most <see cref="MaxReasonLength"/> characters; null when nothing is left.</summary>
    public static string? SafeReason(string? reason)
    {
        if (string.IsNullOrWhiteSpace(reason))
            return null;
        var builder = new StringBuilder(Math.Min(reason.Length, MaxReasonLength));
        foreach (var c in reason)
        {
            if (builder.Length >= MaxReasonLength)
                break;
            var printable = c is >= ' ' and <= '~' ? c : ' ';
            if (printable == ' ' && (builder.Length == 0 || builder[^1] == ' '))
                continue;
            builder.Append(printable);
        }
        var text = builder.ToString().TrimEnd();
        return text.Length == 0 ? null : text;
    }
}
