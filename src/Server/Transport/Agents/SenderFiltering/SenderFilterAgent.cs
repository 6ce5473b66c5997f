using Mailflow.Configuration;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Agents.SenderFiltering;

/// <summary>
/// Sender filtering (Exchange's Sender Filter agent): blocked envelope senders and sender domains and
/// the optional refusal of the null sender, at MAIL FROM; and anti-spoofing of our own domains: an
/// anonymous session may not use an authoritative accepted domain as its envelope sender (MAIL FROM)
/// or From header (end of data) — Exchange's Ms-Exch-SMTP-Accept-Authoritative-Domain-Sender. Sessions
/// that authenticated, clients on the IP allow list and connectors that let anonymous clients use any
/// sender (trusted relays) are exempt.
/// </summary>
public sealed class SenderFilterAgent : ITransportAgent
{
    public const string AgentName = "SenderFilter";
    /// <summary>Message tag set when anti-spoofing is in Tag mode and the message claims one of our domains.</summary>
    public const string SpoofingTag = Mailflow.Queue.MessageTagNames.SpoofingSuspect;

    public static readonly SmtpReply SenderBlocked = new(550, "5.7.1", "Sender denied by this server's policy");
    public static readonly SmtpReply BlankSenderBlocked = new(550, "5.7.1", "A blank sender is not accepted here");
    public static readonly SmtpReply Spoofed = new(550, "5.7.1", "Client was not authenticated to send as this sender's domain");

    public string Name => AgentName;
    public string DisplayName => "Sender filter and anti-spoofing";
    public string Description => "Refuses blocked senders and sender domains, and anonymous mail that claims to come from our own domains.";
    public AgentEvents Events => AgentEvents.MailFrom | AgentEvents.EndOfData;
    public int DefaultPriority => 220;

    /// <summary>The one test of the allowed senders list (sender filtering and anti-spam).</summary>
    public static bool IsAllowedSender(SenderFilterSettings settings, string address) =>
        address.Length > 0 && (settings.AllowedSenders ?? []).Any(a => string.Equals(a, address, StringComparison.OrdinalIgnoreCase));

    public ValueTask<AgentVerdict> OnMailFromAsync(AgentSession session, AgentMessage message, CancellationToken cancellationToken)
    {
        var settings = session.Snapshot.Protection.SenderFilter;
        if (Exempt(session))
            return new(AgentVerdict.Continue);
        if (message.Sender is null)
            return new(settings.BlockBlankSenders ? AgentVerdict.Reject(BlankSenderBlocked, "the null sender <> is blocked") : AgentVerdict.Continue);

        var address = message.Sender.Address;
        var domain = message.Sender.Domain.TrimEnd('.');
        if (IsAllowedSender(settings, address))
        {
            var spoofing = Spoofing(session, message, settings.AntiSpoofing, domain, "envelope sender " + address);
            return new(spoofing is { Kind: AgentVerdictKind.Continue, Detail: null }
                ? AgentVerdict.ContinueWith($"{address} is an allowed sender; the blocked sender lists are not consulted")
                : spoofing);
        }
        if (settings.BlockedSenders.Any(b => string.Equals(b, address, StringComparison.OrdinalIgnoreCase)))
            return new(AgentVerdict.Reject(SenderBlocked, $"{address} is a blocked sender"));
        if (settings.BlockedSenderDomains.FirstOrDefault(b => DomainMatches(b, domain)) is { } blockedDomain)
            return new(AgentVerdict.Reject(SenderBlocked, $"{domain} matches the blocked sender domain {blockedDomain}"));
        return new(Spoofing(session, message, settings.AntiSpoofing, domain, "envelope sender " + address));
    }

    public async ValueTask<AgentVerdict> OnEndOfDataAsync(AgentSession session, AgentMessage message, AgentContent content, CancellationToken cancellationToken)
    {
        var settings = session.Snapshot.Protection.SenderFilter;
        if (settings.AntiSpoofing == SpoofingAction.Off || Exempt(session) || message.Tags.ContainsKey(SpoofingTag))
            return AgentVerdict.Continue;
        var headers = await content.GetHeadersAsync(cancellationToken);
        foreach (var from in headers.Where(h => h.Id == MimeKit.HeaderId.From))
        {
            if (!MimeKit.InternetAddressList.TryParse(from.Value, out var addresses))
                continue;
            foreach (var mailbox in addresses.Mailboxes)
            {
                var at = mailbox.Address.LastIndexOf('@');
                if (at < 0)
                    continue;
                var verdict = Spoofing(session, message, settings.AntiSpoofing, mailbox.Address[(at + 1)..], "From header " + mailbox.Address);
                if (verdict.Kind != AgentVerdictKind.Continue || verdict.Detail is not null)
                    return verdict;
            }
        }
        return AgentVerdict.Continue;
    }

    private static AgentVerdict Spoofing(AgentSession session, AgentMessage message, SpoofingAction action, string domain, string what)
    {
        if (action == SpoofingAction.Off || session.Snapshot.FindAcceptedDomain(domain) is not { Type: AcceptedDomainType.Authoritative } ours)
            return AgentVerdict.Continue;
        var detail = $"anonymous client {session.ClientAddress} used our authoritative domain {ours.DomainName} as the {what}";
        if (action == SpoofingAction.Reject)
            return AgentVerdict.Reject(Spoofed, detail);
        message.Tags.Set(SpoofingTag, true);
        message.AddHeader("X-Mailflow-Spoofing", $"suspect; {what.Replace('\r', ' ').Replace('\n', ' ')} is in our domain {ours.DomainName} but the client did not authenticate");
        return AgentVerdict.ContinueWith(detail + "; tagged " + SpoofingTag);
    }

    private static bool Exempt(AgentSession session) =>
        session.IsAuthenticated
        || session.Tags.IsTrue(AgentTagNames.ConnectionAllowed)
        || (session.Rights & ReceiveRights.AcceptAnySender) != 0;

    /// <summary><c>example.com</c> matches only itself; <c>*.example.com</c> matches it and every subdomain.</summary>
    private static bool DomainMatches(string blocked, string domain) =>
        blocked.StartsWith("*.", StringComparison.Ordinal)
            ? string.Equals(domain, blocked[2..], StringComparison.OrdinalIgnoreCase) || domain.EndsWith(blocked[1..], StringComparison.OrdinalIgnoreCase)
            : string.Equals(domain, blocked, StringComparison.OrdinalIgnoreCase);
}
