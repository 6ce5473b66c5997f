using Mailflow.Configuration;
using Mailflow.Server.Transport.Route;

namespace Mailflow.Server.Transport.Categorize.RemoteDomains;

/// <summary>A recipient a remote domain does not let this message reach: dropped, no NDR, traced with <see cref="Reason"/>.</summary>
public sealed record RemoteDomainBlock(RoutedRecipient Recipient, RemoteDomain Entry, string Reason);

/// <summary>
/// The categorizer's remote domain check (Exchange's remote domains): per routed recipient outside the
/// accepted domains (a remote address, or a contact's external address), the entry that covers its
/// domain decides whether this kind of message may go there. Pure over the snapshot; the categorizer
/// drops what it blocks and "Test mail flow" shows the same lines.
/// </summary>
public static class RemoteDomainGate
{
    /// <summary>Whether the message's content must be looked at: a recipient outside goes to a domain whose entry refuses some kind.</summary>
    public static bool NeedsContent(TransportConfig config, IEnumerable<RoutedRecipient> routes) =>
        config.RemoteDomainSettings.RestrictsAnything && routes.Any(r => IsRemote(r.Recipient) && config.RemoteDomainSettings.Find(r.Recipient.Domain).RestrictsMessages);

    public static IReadOnlyList<RemoteDomainBlock> Blocked(TransportConfig config, OutboundMessageClass message, IEnumerable<RoutedRecipient> routes)
    {
        if (message.Kind == OutboundMessageKind.Ordinary)
            return [];
        var blocked = new List<RemoteDomainBlock>();
        foreach (var route in routes.Where(r => IsRemote(r.Recipient)))
        {
            var entry = config.RemoteDomainSettings.Find(route.Recipient.Domain);
            if (Allows(entry, message.Kind))
                continue;
            blocked.Add(new RemoteDomainBlock(route, entry,
                $"Not sent to {route.Recipient.Address}: the remote domain entry '{entry.Name}' ({entry.DomainName}) does not allow {Noun(message.Kind)}, and this message is one because {message.Why}. Dropped without a non-delivery report."));
        }
        return blocked;
    }

    /// <summary>Recipients the remote domain settings apply to: outside the accepted domains.</summary>
    public static bool IsRemote(ResolvedRecipient recipient) =>
        recipient.Kind is ResolvedRecipientKind.Remote or ResolvedRecipientKind.ExternalForward;

    public static bool Allows(RemoteDomain entry, OutboundMessageKind kind) => kind switch
    {
        OutboundMessageKind.AutomaticReply => entry.AllowAutomaticReplies,
        OutboundMessageKind.AutomaticForward => entry.AllowAutomaticForwards,
        OutboundMessageKind.DeliveryReport => entry.AllowDeliveryReports,
        OutboundMessageKind.NonDeliveryReport => entry.AllowNonDeliveryReports,
        _ => true,
    };

    public static string Noun(OutboundMessageKind kind) => kind switch
    {
        OutboundMessageKind.AutomaticReply => "automatic replies",
        OutboundMessageKind.AutomaticForward => "automatic forwards",
        OutboundMessageKind.DeliveryReport => "delivery reports",
        OutboundMessageKind.NonDeliveryReport => "non-delivery reports",
        _ => "ordinary messages",
    };
}
