using Mailflow.Dmarc;

namespace Mailflow.Server.Api;

/// <summary>/api/v1/dmarc-reports: who sends as our domains, from the DMARC aggregate reports other organizations sent us.</summary>
public static class DmarcReportsApi
{
    public const int DefaultDays = 30;
    public const int MaximumDays = 366;

    public static RouteGroupBuilder MapDmarcReportsApi(this RouteGroupBuilder api)
    {
        api.MapGet("/dmarc-reports", async (DmarcReportService reports, TimeProvider time, int? days, string? domain, CancellationToken ct) =>
                await reports.OverviewAsync(time.GetUtcNow().AddDays(-Math.Clamp(days ?? DefaultDays, 1, MaximumDays)), domain, ct))
            .WithTags("DMARC reports").WithName("GetDmarcReports")
            .WithSummary($"Sources (IP address and reporter) with their DMARC pass/fail counts, failures first, and the reports received, for reports ending in the last "
                         + $"`days` days (default {DefaultDays}, at most {MaximumDays}); `domain` limits both to one of our domains");
        return api;
    }
}
