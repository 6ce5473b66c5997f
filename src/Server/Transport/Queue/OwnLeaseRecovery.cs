using Mailflow.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// At start-up, frees the leases this node's previous process held: it was killed (or crashed) with
/// messages claimed, and nothing else will ever release them before their lease time runs out.
/// Lease owners start with the node name (<c>{node}/…</c>), and this runs before this process claims
/// anything, so every lease with the prefix belongs to a dead process. Other nodes' leases are left
/// to expire — a lease held elsewhere may be a live worker. (Two running processes configured with
/// the same node name would take each other's work here; the fencing tokens still stop the stale one
/// from writing, at the cost of a possible duplicate delivery.)
/// </summary>
public sealed partial class OwnLeaseRecovery(
    IDbContextFactory<MailflowDbContext> dbFactory,
    SqliteStoreGate gate,
    IOptions<MailflowOptions> options,
    ILogger<OwnLeaseRecovery> logger) : IStartupSeeder
{
    public static string OwnerPrefix(MailflowOptions options) => OwnerPrefix(options.ResolvedNodeName);

    /// <summary>How every lease owner name of <paramref name="nodeName"/>'s workers begins.</summary>
    public static string OwnerPrefix(string nodeName) => nodeName + "/";

    public async Task SeedAsync(CancellationToken cancellationToken)
    {
        var prefix = OwnerPrefix(options.Value);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        int released;
        await using (await gate.EnterWriteAsync(db, cancellationToken))
        {
            released = await db.QueuedMessages
                .Where(m => m.LeaseOwner != null && m.LeaseOwner.StartsWith(prefix))
                .ExecuteUpdateAsync(s => s
                    .SetProperty(m => m.LeaseOwner, (string?)null)
                    .SetProperty(m => m.LeaseToken, (Guid?)null)
                    .SetProperty(m => m.LeaseUntil, (DateTimeOffset?)null), cancellationToken);
        }
        if (released > 0)
            Log.Recovered(logger, released, prefix);
    }

    private static partial class Log
    {
        [LoggerMessage(4100, LogLevel.Warning, "Released {Count} message lease(s) held by this node's previous process ({Prefix}*): it stopped without releasing them")]
        public static partial void Recovered(ILogger logger, int count, string prefix);
    }
}
