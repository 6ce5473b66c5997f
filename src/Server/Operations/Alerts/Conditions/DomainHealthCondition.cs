using Mailflow.DomainHealth;
using Mailflow.Operations.Alerts;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Operations.Alerts.Conditions;

/// <summary>The stored domain health reports (Mail flow › Domain health): a domain with a failing check.</summary>
public sealed class DomainHealthCondition : IAlertCondition
{
    public IReadOnlyList<AlertKind> Kinds { get; } = [AlertKind.DomainHealth];

    public async Task<IReadOnlyList<AlertObservation>> ObserveAsync(AlertContext context, CancellationToken cancellationToken)
    {
        if (!context.Settings.DomainHealthEnabled)
            return [];
        var reports = await context.Db.DomainHealthReports.AsNoTracking().Where(r => r.Status == DomainHealthStatus.Fail).ToListAsync(cancellationToken);
        return [.. reports.Select(r =>
        {
            var failing = r.Checks.Where(c => c.Status == DomainHealthStatus.Fail).ToList();
            return new AlertObservation(AlertKind.DomainHealth, r.Domain, AlertSeverity.Warning,
                $"{r.Domain}: {string.Join("; ", failing.Select(c => c.Title))} — receivers may junk or refuse its mail.",
                string.Join(" ", failing.Select(c => $"{c.Title}: {c.Summary}")) + $" (checked {r.CheckedAt:u} by {r.CheckedBy})");
        })];
    }
}
