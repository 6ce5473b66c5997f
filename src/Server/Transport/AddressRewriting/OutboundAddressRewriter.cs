using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Tracking;
using MimeKit;

namespace Mailflow.Server.Transport.AddressRewriting;

/// <summary>What outbound address rewriting did to one delivery.</summary>
/// <param name="EnvelopeSender">The MAIL FROM to send (rewritten or as stored).</param>
public sealed record OutboundRewriteResult(string EnvelopeSender, IReadOnlyList<string> Changes)
{
    public bool Changed => Changes.Count > 0;
}

/// <summary>
/// Address rewriting on the way out (Exchange's outbound address rewriting, Postfix's generic map):
/// a delivery over SMTP to a recipient outside the accepted domains carries the external form of
/// internal addresses — the envelope sender and the From, Sender, Reply-To, To and Cc fields. It runs
/// on the delivery's own parsed copy, before DKIM signing (so the signature covers the rewritten
/// fields), and leaves the stored message and local deliveries unchanged. Each rewrite is a trace
/// event of the message.
/// </summary>
public sealed class OutboundAddressRewriter(TransportConfigProvider config, MessageTracker? tracker = null)
{
    /// <summary>Rewrites <paramref name="content"/> in place when the delivery leaves the organization.</summary>
    public OutboundRewriteResult Apply(QueuedMessage message, IReadOnlyList<QueuedRecipient> recipients, MimeMessage content) =>
        Apply(config.Current, message, recipients, content, track: true);

    internal OutboundRewriteResult Apply(TransportConfig snapshot, QueuedMessage message, IReadOnlyList<QueuedRecipient> recipients, MimeMessage content, bool track)
    {
        var table = snapshot.AddressRewriting;
        if (table.IsEmpty || !LeavesOrganization(snapshot, recipients.Select(r => r.Address)))
            return new OutboundRewriteResult(message.Sender, []);
        var changes = new List<string>();
        var sender = message.Sender;
        if (sender.Length > 0 && table.Outbound(sender) is { } envelope)
        {
            sender = envelope.To;
            changes.Add($"MAIL FROM: {envelope.Description}");
        }
        changes.AddRange(HeaderAddressRewriter.Rewrite(content, table.Outbound, HeaderAddressRewriter.OutboundFields).Select(c => c.ToString()));
        if (track && changes.Count > 0)
            tracker?.Track(MessageTrackingEventKind.Agent, message, recipients.Select(r => r.Address),
                detail: "Address rewriting (outbound): " + string.Join("; ", changes));
        return new OutboundRewriteResult(sender, changes);
    }

    /// <summary>Whether mail to <paramref name="recipients"/> leaves the organization: any of them outside the accepted domains.</summary>
    public static bool LeavesOrganization(TransportConfig snapshot, IEnumerable<string> recipients) =>
        recipients.Any(r => snapshot.FindAcceptedDomain(MailAddressRules.DomainOf(r)) is null);
}
