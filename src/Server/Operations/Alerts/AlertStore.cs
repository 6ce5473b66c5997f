using Mailflow.Data;
using Mailflow.Operations.Alerts;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Operations.Alerts;

/// <summary>What one evaluation changed: the alerts this node raised and cleared (each is notified once, by the node that changed it).</summary>
public sealed record AlertChanges(IReadOnlyList<AlertRecord> Raised, IReadOnlyList<AlertRecord> Cleared);

/// <summary>
/// The write path of the alert table: an observation that is not active yet is raised, an active one is refreshed
/// (text, severity, last seen), an active alert of an evaluated kind that was not observed is cleared — unless another
/// node owns it (node-scoped). Raising goes through the unique <see cref="AlertRecord.ActiveKey"/>, so nodes that
/// evaluate the same condition raise it once.
/// </summary>
public sealed class AlertStore(IDbContextFactory<MailflowDbContext> dbFactory)
{
    public async Task<AlertChanges> ApplyAsync(IReadOnlyCollection<AlertKind> evaluated, IReadOnlyList<AlertObservation> observations, string nodeName, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var kinds = evaluated.ToList();
        var active = await db.Alerts.Where(a => a.ClearedAt == null && kinds.Contains(a.Kind)).ToListAsync(cancellationToken);
        var byKey = active.ToDictionary(a => a.ActiveKey!, StringComparer.Ordinal);
        var observed = new HashSet<string>(StringComparer.Ordinal);
        var raised = new List<AlertRecord>();
        foreach (var observation in observations)
        {
            var key = AlertRecord.KeyOf(observation.Kind, Clip(observation.Subject, AlertRecord.SubjectLength));
            if (!observed.Add(key))
                continue;
            if (byKey.TryGetValue(key, out var existing))
            {
                existing.Text = Clip(observation.Text, AlertRecord.TextLength);
                existing.Details = Clip(observation.Details, AlertRecord.DetailsLength);
                existing.Severity = observation.Severity;
                existing.LastSeenAt = now;
                continue;
            }
            raised.Add(new AlertRecord
            {
                Kind = observation.Kind,
                Subject = Clip(observation.Subject, AlertRecord.SubjectLength),
                ActiveKey = key,
                Severity = observation.Severity,
                Text = Clip(observation.Text, AlertRecord.TextLength),
                Details = Clip(observation.Details, AlertRecord.DetailsLength),
                Node = observation.NodeScoped ? nodeName : "",
                RaisedAt = now,
                LastSeenAt = now,
            });
        }
        var cleared = active.Where(a => !observed.Contains(a.ActiveKey!) && (a.Node.Length == 0 || string.Equals(a.Node, nodeName, StringComparison.OrdinalIgnoreCase))).ToList();
        foreach (var alert in cleared)
        {
            alert.ClearedAt = now;
            alert.ActiveKey = null;
        }
        await db.SaveChangesAsync(cancellationToken);

        // One insert each: another node may have raised the same alert a moment ago (the unique key refuses the second).
        var stored = new List<AlertRecord>(raised.Count);
        foreach (var alert in raised)
        {
            db.Alerts.Add(alert);
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                stored.Add(alert);
            }
            catch (DbUpdateException)
            {
                db.Entry(alert).State = EntityState.Detached;
            }
        }
        return new AlertChanges(stored, cleared);
    }

    /// <summary>Active alerts per kind, organization-wide (the gauge's values).</summary>
    public async Task<IReadOnlyDictionary<AlertKind, int>> CountActiveAsync(CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var counts = await db.Alerts.Where(a => a.ClearedAt == null).GroupBy(a => a.Kind).Select(g => new { g.Key, Count = g.Count() }).ToListAsync(cancellationToken);
        return counts.ToDictionary(c => c.Key, c => c.Count);
    }

    private static string Clip(string text, int length) => text.Length <= length ? text : text[..(length - 1)] + "…";
}
