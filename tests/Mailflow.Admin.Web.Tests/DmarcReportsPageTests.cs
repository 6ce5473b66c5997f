using Mailflow.Admin.Web.Components.Pages.Protection;
using Mailflow.Dmarc;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class DmarcReportsPageTests : MudBunitContext
{
    private async Task StoreAsync(string reporter, string reportId, string domain, params (string Ip, long Count, bool Pass)[] records)
    {
        var end = DateTimeOffset.UtcNow.AddDays(-1);
        await Services.GetRequiredService<DmarcReportService>().StoreReceivedAsync(new DmarcReceivedReport
        {
            Reporter = reporter, ReporterEmail = $"noreply@{reporter}", ReportId = reportId, PolicyDomain = domain,
            Begin = end.AddDays(-1), End = end, ReceivedAt = end,
            Records = [.. records.Select(r => new DmarcReceivedRecord
            {
                SourceIp = r.Ip, Count = r.Count, HeaderFrom = domain, DkimAligned = r.Pass ? "pass" : "fail", SpfAligned = "fail",
                Disposition = r.Pass ? "none" : "quarantine",
            })],
        });
    }

    private IRenderedComponent<DmarcReports> RenderPage()
    {
        var page = Render<DmarcReports>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")), WaitTimeout);
        return page;
    }

    [Fact]
    public async Task Sources_are_listed_failures_first_with_pass_and_fail_counts_per_reporter()
    {
        SignInAs("victor", AdminRoles.ViewOnly);
        await StoreAsync("google.com", "g-1", "contoso.test", ("198.51.100.20", 120, true), ("203.0.113.66", 7, false));
        await StoreAsync("outlook.com", "o-1", "contoso.test", ("198.51.100.20", 30, true));

        var page = RenderPage();

        Assert.Equal(["203.0.113.66", "198.51.100.20", "198.51.100.20"], page.FindAll("[data-testid=dmarc-source]").Select(e => e.TextContent));
        Assert.Equal(["7", "0", "0"], page.FindAll("[data-testid=dmarc-failed]").Select(e => e.TextContent.Trim()));
        Assert.Contains("157 messages from 2 addresses: 150 passed DMARC, 7 failed.", page.Find("#dmarc-totals").TextContent);
        Assert.Equal(2, page.FindAll("#dmarc-report-list tbody tr").Count);
        Assert.Contains("outlook.com", page.Find("#dmarc-sources").TextContent);
    }

    [Fact]
    public void Without_reports_the_page_says_how_to_get_them()
    {
        SignInAs("victor", AdminRoles.ViewOnly);

        var page = RenderPage();

        Assert.Contains("rua=mailto:", page.Find("#dmarc-empty").TextContent);
        Assert.Empty(page.FindAll("#dmarc-sources"));
    }
}
