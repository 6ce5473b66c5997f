using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.DomainHealth;

/// <summary>
/// The stored domain health reports: the one read model of the domain health page, the API, the CLI,
/// the dashboard and the configuration doctor, and the one write path of the checker.
/// </summary>
public sealed class DomainHealthService(IDbContextFactory<MailflowDbContext> dbFactory)
{
    /// <summary>Every stored report, by domain name.</summary>
    public async Task<IReadOnlyList<DomainHealthReport>> ListAsync(CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var reports = await db.DomainHealthReports.AsNoTracking().ToListAsync(cancellationToken);
        return [.. reports.OrderBy(r => r.Domain, StringComparer.Ordinal)];
    }

    public async Task<DomainHealthReport?> GetAsync(string domain, CancellationToken cancellationToken = default)
    {
        var name = Normalize(domain);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.DomainHealthReports.AsNoTracking().FirstOrDefaultAsync(r => r.Domain == name, cancellationToken);
    }

    /// <summary>Replaces the domain's report (a newer check wins; an older one that finishes late is dropped).</summary>
    public async Task SaveAsync(DomainHealthReport report, CancellationToken cancellationToken = default)
    {
        report.Domain = Normalize(report.Domain);
        report.Status = DomainHealthReport.Worst(report.Checks);
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var stored = await db.DomainHealthReports.FirstOrDefaultAsync(r => r.Domain == report.Domain, cancellationToken);
        if (stored is null)
            db.DomainHealthReports.Add(report);
        else if (stored.CheckedAt <= report.CheckedAt)
        {
            stored.CheckedAt = report.CheckedAt;
            stored.CheckedBy = report.CheckedBy;
            stored.Status = report.Status;
            stored.Checks = report.Checks;
        }
        try
        {
            await db.SaveChangesAsync(cancellationToken);
        }
        catch (DbUpdateException) when (stored is null)
        {
            // Another node stored the first report of this domain at the same moment: theirs is as new as ours.
        }
    }

    /// <summary>Drops the reports of domains that are no longer accepted.</summary>
    public async Task<int> RemoveExceptAsync(IReadOnlyCollection<string> domains, CancellationToken cancellationToken = default)
    {
        var keep = domains.Select(Normalize).ToList();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.DomainHealthReports.Where(r => !keep.Contains(r.Domain)).ExecuteDeleteAsync(cancellationToken);
    }

    private static string Normalize(string domain) => domain.Trim().TrimEnd('.').ToLowerInvariant();
}

/// <summary>Runs the checks of one accepted domain now and stores the result (implemented by the server, which owns DNS).</summary>
public interface IDomainHealthChecker
{
    /// <returns>The new report; null when <paramref name="domain"/> is not an accepted domain.</returns>
    Task<DomainHealthReport?> CheckNowAsync(string domain, CancellationToken cancellationToken = default);
}
