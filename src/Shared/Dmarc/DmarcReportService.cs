using Mailflow.Data;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Dmarc;

/// <summary>One line of the "who sends as our domains" view: a source IP as one reporter saw it, summed over the period.</summary>
public sealed record DmarcSourceSummary(string SourceIp, string Reporter, string PolicyDomain, long Messages, long Passed, long Failed, DateTimeOffset LastSeen);

/// <summary>A received report in the list (without its records).</summary>
public sealed record DmarcReportListItem(Guid Id, string Reporter, string ReportId, string PolicyDomain, DateTimeOffset Begin, DateTimeOffset End, long Messages, DateTimeOffset ReceivedAt);

public sealed record DmarcReportOverview(IReadOnlyList<DmarcSourceSummary> Sources, IReadOnlyList<DmarcReportListItem> Reports);

/// <summary>
/// The store side of DMARC aggregate reports: reports received about our domains (stored once per
/// reporter and report id) and the per-source counts of our own inbound evaluations, and the one
/// query behind the admin page and <c>GET /api/v1/dmarc-reports</c>.
/// </summary>
public sealed class DmarcReportService(IDbContextFactory<MailflowDbContext> dbFactory)
{
    public const int MaxSources = 500;
    public const int MaxReports = 200;

    /// <returns>false when this reporter's report with this id is already stored.</returns>
    public async Task<bool> StoreReceivedAsync(DmarcReceivedReport report, CancellationToken cancellationToken = default)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        if (await db.DmarcReceivedReports.AnyAsync(r => r.Reporter == report.Reporter && r.ReportId == report.ReportId, cancellationToken))
            return false;
        report.MessageCount = report.Records.Sum(r => r.Count);
        db.DmarcReceivedReports.Add(report);
        try
        {
            await db.SaveChangesAsync(cancellationToken);
            return true;
        }
        catch (DbUpdateException)
        {
            // Another node stored the same report at the same moment (the unique index refused ours).
            if (await IsStoredAsync(report, cancellationToken))
                return false;
            throw;
        }
    }

    private async Task<bool> IsStoredAsync(DmarcReceivedReport report, CancellationToken cancellationToken)
    {
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        return await db.DmarcReceivedReports.AnyAsync(r => r.Reporter == report.Reporter && r.ReportId == report.ReportId, cancellationToken);
    }

    /// <summary>Adds counted observations: a row with the same key is incremented, else inserted.</summary>
    public async Task RecordObservationsAsync(IReadOnlyCollection<DmarcObservation> observations, CancellationToken cancellationToken = default)
    {
        if (observations.Count == 0)
            return;
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        foreach (var o in observations)
        {
            var updated = await db.DmarcObservations
                .Where(x => x.Day == o.Day && x.PolicyDomain == o.PolicyDomain && x.HeaderFrom == o.HeaderFrom && x.SourceIp == o.SourceIp
                            && x.Disposition == o.Disposition && x.DkimAligned == o.DkimAligned && x.SpfAligned == o.SpfAligned
                            && x.DkimDomain == o.DkimDomain && x.DkimResult == o.DkimResult && x.SpfDomain == o.SpfDomain && x.SpfResult == o.SpfResult)
                .ExecuteUpdateAsync(s => s.SetProperty(x => x.Count, x => x.Count + o.Count), cancellationToken);
            if (updated == 0)
                db.DmarcObservations.Add(o);
        }
        await db.SaveChangesAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
    }

    /// <summary>Sources and reports whose period ended after <paramref name="since"/>, for one of our domains or all.</summary>
    public async Task<DmarcReportOverview> OverviewAsync(DateTimeOffset since, string? domain = null, CancellationToken cancellationToken = default)
    {
        domain = string.IsNullOrWhiteSpace(domain) ? null : domain.Trim().TrimEnd('.').ToLowerInvariant();
        await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
        var reports = db.DmarcReceivedReports.AsNoTracking().Where(r => r.End >= since && (domain == null || r.PolicyDomain == domain));
        var rows = await (
                from record in db.DmarcReceivedRecords.AsNoTracking()
                join report in reports on record.ReportId equals report.Id
                group new { record.Count, Pass = record.DkimAligned == "pass" || record.SpfAligned == "pass", report.End }
                    by new { record.SourceIp, report.Reporter, report.PolicyDomain } into g
                select new
                {
                    g.Key.SourceIp, g.Key.Reporter, g.Key.PolicyDomain,
                    Messages = g.Sum(x => x.Count),
                    Passed = g.Sum(x => x.Pass ? x.Count : 0),
                    LastSeen = g.Max(x => x.End),
                })
            .ToListAsync(cancellationToken);
        var sources = rows
            .Select(r => new DmarcSourceSummary(r.SourceIp, r.Reporter, r.PolicyDomain, r.Messages, r.Passed, r.Messages - r.Passed, r.LastSeen))
            .OrderByDescending(r => r.Failed).ThenByDescending(r => r.Messages).ThenBy(r => r.SourceIp, StringComparer.Ordinal)
            .Take(MaxSources).ToArray();
        var list = (await reports.Select(r => new DmarcReportListItem(r.Id, r.Reporter, r.ReportId, r.PolicyDomain, r.Begin, r.End, r.MessageCount, r.ReceivedAt))
                .ToListAsync(cancellationToken))
            .OrderByDescending(r => r.End).Take(MaxReports).ToArray();
        return new DmarcReportOverview(sources, list);
    }
}
