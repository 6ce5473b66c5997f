using System.Globalization;
using Mailflow.Configuration;
using Mailflow.Smtp;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Agents.Loops;

/// <summary>
/// Loop protection (Exchange's MaxHopCount and MaxLocalHopCount, Postfix's hopcount_limit): a message
/// with more Received fields than the receive connector allows, or with more written by our own host
/// names than its local limit, is circling between relays. At end of data it is refused with
/// <c>554 5.4.6</c>, so the sending MTA bounces it; a message accepted another way (our own messages,
/// a connector that allows more hops than the organization) is counted again before it is routed, against
/// the organization's limits, and bounced with status 5.4.6 instead of relayed.
/// <para>The counts found at end of data travel with the message as tags, so the categorizer's check
/// reads the content only for messages that did not come through an SMTP session.</para>
/// </summary>
public sealed class HopCountAgent(IOptions<MailflowOptions> options) : ITransportAgent
{
    public string Name => "HopCount";
    public string DisplayName => "Loop protection (hop count)";
    public string Description => "Refuses messages with more Received header fields than the connector's hop count limit (554 5.4.6), and bounces such messages instead of relaying them.";
    public AgentEvents Events => AgentEvents.EndOfData | AgentEvents.Categorized;
    public int DefaultPriority => 95;
    /// <summary>Turning it off would let a loop run for ever.</summary>
    public bool CanBeDisabled => false;
    public AgentFailurePolicy DefaultFailurePolicy => AgentFailurePolicy.FailOpen;

    public async ValueTask<AgentVerdict> OnEndOfDataAsync(AgentSession session, AgentMessage message, AgentContent content, CancellationToken cancellationToken)
    {
        var hops = ReceivedHops.Count(await content.GetHeadersAsync(cancellationToken), OwnHostNames.For(session.Snapshot, options.Value.ResolvedFqdn));
        message.Tags.Set(AgentTagNames.HopCount, hops.Total);
        message.Tags.Set(AgentTagNames.LocalHopCount, hops.Local);
        var limits = new HopLimits(session.Policy.MaxHopCount, session.Policy.MaxLocalHopCount, $"receive connector '{session.ConnectorName}'");
        return Decide(hops, limits, session.IsWhatIf);
    }

    public async ValueTask<AgentVerdict> OnCategorizedAsync(StoredMessageContext message, CancellationToken cancellationToken)
    {
        ReceivedHops hops;
        if (message.Tags.GetNumber(AgentTagNames.HopCount) is { } total && message.Tags.GetNumber(AgentTagNames.LocalHopCount) is { } local)
        {
            hops = new ReceivedHops((int)total, (int)local);
        }
        else
        {
            var headers = await message.Content.GetHeadersAsync(cancellationToken);
            hops = ReceivedHops.Count(headers, OwnHostNames.For(message.Snapshot, options.Value.ResolvedFqdn));
        }
        return Decide(hops, OrganizationLimits(message.Snapshot), message.IsWhatIf);
    }

    /// <summary>Before relaying, the organization's limits apply to every message, whichever way it came in.</summary>
    public static HopLimits OrganizationLimits(TransportConfig snapshot) =>
        new(snapshot.Organization.MaxHopCount, snapshot.Organization.MaxLocalHopCount, "the organization");

    /// <summary>The verdict for a count under the limits; the detail says which limit and where it is set.</summary>
    public static AgentVerdict Decide(ReceivedHops hops, HopLimits limits, bool explain)
    {
        if (hops.Total > limits.MaxHopCount)
            return AgentVerdict.Reject(SmtpReplies.RoutingLoopDetected,
                string.Create(CultureInfo.InvariantCulture, $"routing loop: {hops.Total} Received header fields, more than the {limits.MaxHopCount} hops {limits.Source} allows"));
        if (hops.Local > limits.MaxLocalHopCount)
            return AgentVerdict.Reject(SmtpReplies.RoutingLoopDetected,
                string.Create(CultureInfo.InvariantCulture, $"routing loop: {hops.Local} Received header fields written by our own servers, more than the {limits.MaxLocalHopCount} local hops {limits.Source} allows"));
        return explain
            ? AgentVerdict.ContinueWith(string.Create(CultureInfo.InvariantCulture,
                $"{hops.Total} Received header fields ({hops.Local} by our own servers); {limits.Source} allows {limits.MaxHopCount} ({limits.MaxLocalHopCount} local)"))
            : AgentVerdict.Continue;
    }
}

/// <param name="Source">Where the limits are set, for people ("receive connector 'Default Frontend'").</param>
public sealed record HopLimits(int MaxHopCount, int MaxLocalHopCount, string Source);
