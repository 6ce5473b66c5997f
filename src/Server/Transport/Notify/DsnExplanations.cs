using System.Collections.Frozen;

namespace Mailflow.Server.Transport.Notify;

/// <summary>
/// Plain words for enhanced status codes (RFC 3463 and the IANA registry), written for the person
/// who sent the message: what happened and what they can do. Unknown codes fall back to their
/// subject (X.1.* addressing, X.2.* mailbox, …) and then to their class.
/// </summary>
public static class DsnExplanations
{
    private static readonly FrozenDictionary<string, string> ByCode = new Dictionary<string, string>
    {
        ["5.1.1"] = "The address doesn't exist. Check the spelling, or ask the recipient for their current address.",
        ["5.1.2"] = "The recipient's domain doesn't exist or can't be found. Check the part after the @.",
        ["5.1.3"] = "The address isn't written correctly. Check it for typing mistakes.",
        ["5.1.8"] = "The recipient's server doesn't accept your sender address, usually because your domain can't be found in DNS. The recipient's address is fine; your administrator can fix this.",
        ["5.1.6"] = "The recipient's mailbox has moved and has no forwarding address.",
        ["5.1.10"] = "The recipient's domain says it doesn't accept email at all (null MX). Check the address.",
        ["5.2.1"] = "The recipient's mailbox is disabled and isn't accepting messages.",
        ["5.2.2"] = "The recipient's mailbox is full. Try again later, or reach them another way.",
        ["4.2.2"] = "The recipient's mailbox is full at the moment; we keep trying.",
        ["5.2.3"] = "The message is larger than the recipient's mailbox accepts. Send a smaller message or share large files another way.",
        ["5.3.4"] = "The message is too large. Remove or shrink attachments, or share large files another way, and send it again.",
        ["5.4.4"] = "The recipient's domain couldn't be routed to a mail server. Check the address.",
        ["4.4.1"] = "The recipient's mail server didn't answer; we keep trying.",
        ["4.4.2"] = "The connection to the recipient's mail server was lost; we keep trying.",
        ["4.4.7"] = "The message couldn't be delivered in the time we keep trying, so we gave up. The recipient's server may be down; try again later.",
        ["4.4.0"] = "We couldn't find a way to deliver to the recipient's domain yet; we keep trying while the administrator checks the configuration.",
        ["5.5.0"] = "The recipient's server rejected the message for a protocol reason.",
        ["5.6.7"] = "The address contains international characters that the recipient's server doesn't support.",
        ["5.7.1"] = "The recipient's server refused the message. The recipient may not accept mail from you, or the message looked like spam to it.",
        ["5.7.0"] = "The recipient's server refused the message for a security or policy reason.",
        ["4.7.0"] = "A security check with the next server failed for now; we keep trying.",
        ["4.7.4"] = "The next server doesn't offer the encryption this route requires; we keep trying.",
        ["4.7.5"] = "Setting up encryption with the next server failed; we keep trying.",
        ["5.7.23"] = "The recipient's server refused the message because your domain's SPF record doesn't list the server that sent it. Your administrator can fix this.",
        ["5.7.25"] = "The recipient's server refused the message because the server that sent it has no reverse DNS name. Your administrator can fix this.",
        ["5.7.26"] = "The recipient's server couldn't verify that the message really came from your domain (SPF/DKIM/DMARC). Your administrator can fix this.",
        ["5.3.0"] = "The message was removed before it could be delivered.",
        ["5.7.30"] = "The message asked to travel only over verified encryption (REQUIRETLS), and the next server could not guarantee that, so it was not sent. Send it again without that requirement, or reach the recipient another way.",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    private static readonly FrozenDictionary<string, string> BySubject = new Dictionary<string, string>
    {
        ["1"] = "There's a problem with the recipient's address.",
        ["2"] = "There's a problem with the recipient's mailbox.",
        ["3"] = "The recipient's mail system had a problem with the message.",
        ["4"] = "There was a network or routing problem reaching the recipient's server.",
        ["5"] = "The recipient's server had a protocol problem with the message.",
        ["6"] = "The message's content couldn't be delivered as it is.",
        ["7"] = "The recipient's server refused the message for a security or policy reason.",
    }.ToFrozenDictionary(StringComparer.Ordinal);

    /// <summary>The codes with a text of their own (the troubleshooting page's catalogue quotes each; DocsCheckTests).</summary>
    public static IReadOnlyCollection<string> CodesWithOwnText => ByCode.Keys;

    /// <summary>What the code means for the sender, in words.</summary>
    public static string Explain(string enhancedCode)
    {
        if (ByCode.TryGetValue(enhancedCode, out var text))
            return text;
        var parts = enhancedCode.Split('.');
        if (parts.Length == 3 && BySubject.TryGetValue(parts[1], out var subject))
            return parts[0] == "4" ? subject + " We keep trying." : subject;
        return enhancedCode.StartsWith('4') ? "Delivery is delayed; we keep trying." : "The message couldn't be delivered.";
    }
}
