using System.Collections.Concurrent;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Agents.Throttling;

/// <summary>
/// Which senders are blocked, as a session sees it: the stored blocks in its configuration snapshot,
/// plus the blocks this node made after that snapshot was loaded (a session that was just blocked
/// must not send its next message while the new generation is on its way).
/// </summary>
public sealed class SenderBlocks(BlockedSenderService store, TimeProvider time, ILogger<SenderBlocks> logger)
{
    private readonly ConcurrentDictionary<string, (DateTimeOffset At, string Reason)> _blockedHere = new(StringComparer.OrdinalIgnoreCase);

    /// <summary>Why <paramref name="sender"/> is blocked, or null.</summary>
    public string? Find(AgentSession session, string sender)
    {
        if (session.Snapshot.BlockedSenders.TryGetValue(sender, out var stored))
            return stored.Reason;
        if (!_blockedHere.TryGetValue(sender, out var here))
            return null;
        // A snapshot loaded after the block already says whether the sender is still blocked (an admin may have unblocked it).
        if (session.Snapshot.LoadedAt > here.At)
        {
            _blockedHere.TryRemove(new KeyValuePair<string, (DateTimeOffset, string)>(sender, here));
            return null;
        }
        return here.Reason;
    }

    public async Task BlockAsync(string sender, string reason, CancellationToken cancellationToken)
    {
        await store.BlockAsync(sender, reason, cancellationToken);
        _blockedHere[sender] = (time.GetUtcNow(), reason);
        logger.LogWarning("Sender {Sender} is blocked from sending: {Reason}. An admin unblocks it under Protection › Rate limits.", sender, reason);
    }
}
