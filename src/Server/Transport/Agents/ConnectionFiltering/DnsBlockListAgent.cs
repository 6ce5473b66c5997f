using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Agents.ConnectionFiltering;

/// <summary>
/// DNS block lists (Exchange's IP Block List providers, Postfix's postscreen_dnsbl_sites): at connect
/// (554 5.7.1 instead of the banner) or at each RCPT TO (550 5.7.1), per the protection settings. At
/// RCPT, mail to postmaster@ one of our domains is still taken (RFC 5321 §4.5.1) so a listed sender can
/// reach us. Clients on the IP allow list (<see cref="AgentTagNames.ConnectionAllowed"/>) are not
/// looked up. The reply carries the zone and its reason; the trace says every zone that counted.
/// </summary>
public sealed class DnsBlockListAgent(DnsBlockListLookup lookup) : ITransportAgent
{
    public const string AgentName = "DnsBlockList";
    /// <summary>Message tag: the zones that list the client (set when a postmaster message got through anyway).</summary>
    public const string ListedTag = Mailflow.Queue.MessageTagNames.DnsBlockListed;

    public string Name => AgentName;
    public string DisplayName => "Connection filter: DNS block lists";
    public string Description => "Refuses clients listed by the configured DNS block lists, at connect or at RCPT TO (postmaster@ stays reachable).";
    public AgentEvents Events => AgentEvents.Connect | AgentEvents.RcptTo;
    public int DefaultPriority => 210;
    /// <summary>Each zone answers within the DNS client's own timeout; this bounds the whole set.</summary>
    public TimeSpan DefaultTimeout => TimeSpan.FromSeconds(10);
    /// <summary>DNS trouble never blocks mail.</summary>
    public Configuration.AgentFailurePolicy DefaultFailurePolicy => Configuration.AgentFailurePolicy.FailOpen;

    public async ValueTask<AgentVerdict> OnConnectAsync(AgentSession session, CancellationToken cancellationToken)
    {
        var settings = session.Snapshot.Protection.ConnectionFilter;
        if (!Applies(session, settings, DnsBlockListCheckPoint.Connect))
            return AgentVerdict.Continue;
        var result = await lookup.CheckAsync(session.ClientAddress, settings, countInMetrics: !session.IsWhatIf, cancellationToken);
        if (result.Listed)
            return AgentVerdict.Reject(ConnectionFilterReplies.Listed(session.ClientAddress, result.Hits[0], atRecipient: false), result.Describe());
        return Passed(result);
    }

    public async ValueTask<AgentVerdict> OnRcptToAsync(AgentSession session, AgentMessage message, AgentRecipient recipient, CancellationToken cancellationToken)
    {
        var settings = session.Snapshot.Protection.ConnectionFilter;
        if (!Applies(session, settings, DnsBlockListCheckPoint.Recipient))
            return AgentVerdict.Continue;
        var result = await lookup.CheckAsync(session.ClientAddress, settings, countInMetrics: !session.IsWhatIf, cancellationToken);
        if (!result.Listed)
            return Passed(result);
        if (IsOurPostmaster(session.Snapshot, recipient))
        {
            message.Tags.Set(ListedTag, string.Join(",", result.Hits.Select(h => h.Zone)));
            return AgentVerdict.ContinueWith(result.Describe() + "; accepted because the recipient is postmaster (RFC 5321 §4.5.1)");
        }
        return AgentVerdict.Reject(ConnectionFilterReplies.Listed(session.ClientAddress, result.Hits[0], atRecipient: true), result.Describe());
    }

    private static bool Applies(AgentSession session, ConnectionFilterSettings settings, DnsBlockListCheckPoint at) =>
        settings.DnsBlockListsEnabled && settings.CheckAt == at && settings.Zones.Count > 0
        && !session.Tags.IsTrue(AgentTagNames.ConnectionAllowed)
        && !session.IsAuthenticated;

    /// <summary>Nothing to say when no zone lists the client and all answered; otherwise a line for the trace.</summary>
    private static AgentVerdict Passed(DnsBlockListResult result) =>
        result.Hits.Count == 0 && result.Unanswered.Count == 0 ? AgentVerdict.Continue : AgentVerdict.ContinueWith(result.Describe());

    private static bool IsOurPostmaster(TransportConfig snapshot, AgentRecipient recipient)
    {
        var address = recipient.Address;
        if (!string.Equals(address.UnquotedLocalPart, "postmaster", StringComparison.OrdinalIgnoreCase))
            return false;
        return address.IsBarePostmaster || snapshot.FindAcceptedDomain(address.Domain) is not null;
    }
}
