using Mailflow.Configuration;
using Mailflow.Smtp;

namespace Mailflow.Server.Transport.Agents.ConnectionFiltering;

/// <summary>
/// The IP allow and block lists at connect (Exchange's IP Allow List / IP Block List). An allowed
/// client is marked with <see cref="AgentTagNames.ConnectionAllowed"/> so the block-list agents that
/// run later (the DNS block lists, also at RCPT) let it through; a blocked one gets 554 5.7.1 instead
/// of the banner (RFC 5321 §3.1). Expired entries are ignored.
/// </summary>
public sealed class IpListAgent(TimeProvider time) : ITransportAgent
{
    public const string AgentName = "IpList";

    public string Name => AgentName;
    public string DisplayName => "Connection filter: IP allow and block lists";
    public string Description => "Lets clients on the IP allow list skip every block list, and refuses clients on the IP block list at connect.";
    public AgentEvents Events => AgentEvents.Connect;
    public int DefaultPriority => 200;

    public ValueTask<AgentVerdict> OnConnectAsync(AgentSession session, CancellationToken cancellationToken)
    {
        var lists = session.Snapshot.IpAccess;
        var now = time.GetUtcNow();
        if (lists.FindAllowed(session.ClientAddress, now) is { } allowed)
        {
            session.Tags.Set(AgentTagNames.ConnectionAllowed, true);
            return new(AgentVerdict.Accept($"{session.ClientAddress} is on the IP allow list ({Describe(allowed)}); block lists are not consulted"));
        }
        if (lists.FindBlocked(session.ClientAddress, now) is { } blocked)
            return new(AgentVerdict.Reject(ConnectionFilterReplies.Blocked(session.ClientAddress), $"{session.ClientAddress} is on the IP block list ({Describe(blocked)})"));
        return new(AgentVerdict.Continue);
    }

    private static string Describe(IpListEntry entry) =>
        entry.Range + (entry.Comment is { Length: > 0 } comment ? $": {comment}" : "") + (entry.ExpiresAt is { } expires ? $", until {expires:u}" : "");
}
