using Mailflow.Configuration;

namespace Mailflow.Queue;

/// <summary>
/// Moderation (Exchange's "forward the message for approval"): a mail flow rule holds a message in
/// quarantine until a moderator approves it (a release, <see cref="IQuarantine.ReleaseAsync"/>) or
/// rejects it: then the sender gets an NDR with 5.7.1 and the message is removed. Audited like every
/// queue action.
/// </summary>
public interface IModeration
{
    /// <summary>Rejects a held message: NDR 5.7.1 to its sender with <paramref name="reason"/>, then removed. False when it is not held.</summary>
    Task<bool> RejectAsync(AdminActor actor, string queueId, string? reason, CancellationToken cancellationToken = default);
}
