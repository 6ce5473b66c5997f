using System.Text.Json;
using Mailflow.Auditing;
using Mailflow.Data;
using Mailflow.Security;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Configuration;

/// <summary>
/// "Who is throttled now" on this node: the rate-limit counters, and the admin's reset (audited; no
/// configuration generation, as queue actions). Counters live in each node's memory; blocked senders
/// are stored (<see cref="BlockedSenderService"/>).
/// </summary>
public sealed class ThrottlingService(RateLimitCounters counters, IDbContextFactory<MailflowDbContext> dbFactory, TimeProvider time)
{
    public IReadOnlyList<RateLimitCounter> Current() => counters.Current();

    /// <summary>Forgets what was counted for <paramref name="key"/> under <paramref name="kind"/>; false when nothing was counted.</summary>
    public async Task<bool> ResetAsync(AdminActor actor, RateLimitKind kind, string key, CancellationToken cancellationToken = default)
    {
        actor.DemandOrganizationManagement();
        if (!Enum.IsDefined(kind) || !counters.Reset(kind, key))
            return false;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        db.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            Actor = actor.Name,
            Action = AuditAction.Reset,
            ObjectType = "RateLimitCounter",
            ObjectId = $"{kind}:{key}",
            ObjectName = key,
            After = JsonSerializer.Serialize(new { limit = RateLimitDefinition.Of(kind).DisplayName, node = Environment.MachineName }),
            Generation = 0,
        });
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }
}
