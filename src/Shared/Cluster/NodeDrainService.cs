using System.Text.Json;
using Mailflow.Auditing;
using Mailflow.Configuration;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Cluster;

/// <summary>
/// Asks a node to drain (maintenance mode) or to resume, from any node: the request is stored on the
/// node's registration, audited, and the node acts on it within a second or so (its drain controller
/// reads its own registration). Shared by the admin center, <c>/api/v1/nodes/{name}/drain|resume</c> and
/// <c>mailflow node drain|resume</c>.
/// </summary>
public sealed class NodeDrainService(IDbContextFactory<MailflowDbContext> dbFactory, TimeProvider time)
{
    public const string AuditObjectType = "Node";

    /// <summary>Asks <paramref name="nodeName"/> to drain; false when it already was asked.</summary>
    /// <exception cref="ConfigurationNotFoundException">No node of that name is registered.</exception>
    public Task<bool> DrainAsync(AdminActor actor, string nodeName, CancellationToken cancellationToken = default) =>
        SetAsync(actor, nodeName, drain: true, cancellationToken);

    /// <summary>Takes <paramref name="nodeName"/> out of draining; false when it was not draining.</summary>
    /// <exception cref="ConfigurationNotFoundException">No node of that name is registered.</exception>
    public Task<bool> ResumeAsync(AdminActor actor, string nodeName, CancellationToken cancellationToken = default) =>
        SetAsync(actor, nodeName, drain: false, cancellationToken);

    private async Task<bool> SetAsync(AdminActor actor, string nodeName, bool drain, CancellationToken cancellationToken)
    {
        actor.DemandOrganizationManagement();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var node = await db.Nodes.FirstOrDefaultAsync(n => n.Name == nodeName, cancellationToken)
            ?? throw new ConfigurationNotFoundException($"No node named '{nodeName}' is registered.");
        if (node.DrainRequested == drain)
            return false;
        var before = JsonSerializer.Serialize(new { drainRequested = node.DrainRequested, phase = node.DrainPhase.ToString() });
        node.DrainRequested = drain;
        db.AuditEntries.Add(new AuditEntry
        {
            At = time.GetUtcNow(),
            Actor = actor.Name,
            Action = drain ? AuditAction.Drain : AuditAction.Resume,
            ObjectType = AuditObjectType,
            ObjectId = node.Name,
            ObjectName = node.Name,
            Before = before,
            After = JsonSerializer.Serialize(new { drainRequested = drain }),
            Generation = 0,
        });
        await db.SaveChangesAsync(cancellationToken);
        return true;
    }
}
