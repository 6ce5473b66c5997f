using Mailflow.Operations.Alerts;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Operations.Alerts.Conditions;

/// <summary>A node in the node registry has not heartbeated for the threshold (it stopped, crashed or lost the store).</summary>
public sealed class NodeHeartbeatCondition : IAlertCondition
{
    public IReadOnlyList<AlertKind> Kinds { get; } = [AlertKind.NodeHeartbeatMissing];

    public async Task<IReadOnlyList<AlertObservation>> ObserveAsync(AlertContext context, CancellationToken cancellationToken)
    {
        if (context.Settings.NodeHeartbeatMissingMinutes <= 0)
            return [];
        var limit = context.Now.AddMinutes(-context.Settings.NodeHeartbeatMissingMinutes);
        var silent = await context.Db.Nodes.AsNoTracking().Where(n => n.LastHeartbeat < limit).Select(n => new { n.Name, n.Address, n.LastHeartbeat }).ToListAsync(cancellationToken);
        return [.. silent.Where(n => !string.Equals(n.Name, context.NodeName, StringComparison.OrdinalIgnoreCase))
            .Select(n => new AlertObservation(AlertKind.NodeHeartbeatMissing, n.Name, AlertSeverity.Critical,
                $"Node {n.Name} has not been heard from for {AlertWords.Duration(context.Now - n.LastHeartbeat)}. Its messages are taken over by the other nodes; check whether it runs and reaches the database.",
                $"Address {n.Address}, last heartbeat {n.LastHeartbeat:u}"))];
    }
}
