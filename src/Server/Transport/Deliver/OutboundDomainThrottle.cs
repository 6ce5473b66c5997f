using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Security;

namespace Mailflow.Server.Transport.Deliver;

/// <summary>
/// The outbound rate limit per destination domain (messages per minute, counted on this node): a
/// message to a domain over its limit is not sent now but waits in the queue until the limit has room
/// again, without using up a delivery attempt — remote sites that throttle us (421/451) get fewer
/// attempts to refuse. A message with several recipients at one domain counts once.
/// </summary>
public sealed class OutboundDomainThrottle(RateLimitCounters counters)
{
    /// <summary>The recipients that wait, the domains they wait for and how long, or nothing when all may go now.</summary>
    public sealed record Held(IReadOnlyList<QueuedRecipient> Recipients, IReadOnlyList<string> Domains, TimeSpan Wait, int Limit);

    public Held? Hold(IReadOnlyList<QueuedRecipient> recipients, TransportConfig snapshot)
    {
        if (snapshot.Protection.RateLimits?.OutboundMessagesPerDomainPerMinute is not { } limit)
            return null;
        var waiting = new List<QueuedRecipient>();
        var domains = new List<string>();
        var wait = TimeSpan.Zero;
        foreach (var group in recipients.GroupBy(r => DomainOf(r.Address), StringComparer.OrdinalIgnoreCase))
        {
            if (counters.TryTake(RateLimitKind.OutboundMessagesPerDomain, limit, group.Key))
                continue;
            waiting.AddRange(group);
            domains.Add(group.Key);
            var until = counters.TimeUntilRoom(RateLimitKind.OutboundMessagesPerDomain, limit, group.Key);
            wait = until > wait ? until : wait;
        }
        // At least a second, so a message does not spin on a limit that is about to have room.
        return waiting.Count == 0 ? null : new Held(waiting, domains, wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait, limit);
    }

    private static string DomainOf(string address) => address[(address.LastIndexOf('@') + 1)..].ToLowerInvariant();
}
