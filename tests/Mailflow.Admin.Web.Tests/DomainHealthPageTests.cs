using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Mailflow.DomainHealth;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class DomainHealthPageTests : MudBunitContext
{
    private readonly StoringChecker _checker = new();

    /// <summary>The server's checker stands behind "Check now"; here it stores a prepared report the way the real one stores its result.</summary>
    private sealed class StoringChecker : IDomainHealthChecker
    {
        public DomainHealthService? Store { get; set; }
        public List<string> Checked { get; } = [];
        public DomainHealthReport? Next { get; set; }

        public async Task<DomainHealthReport?> CheckNowAsync(string domain, CancellationToken cancellationToken = default)
        {
            Checked.Add(domain);
            if (Next is null)
                return null;
            await Store!.SaveAsync(Next, cancellationToken);
            return Next;
        }
    }

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<IDomainHealthChecker>(_checker);

    private static readonly DomainHealthCheck MissingMx = new("mx", "MX", "No MX record", DomainHealthStatus.Fail,
        "contoso.test publishes no MX record.", null, "contoso.test", "MX", "10 mx.contoso.test.");
    private static readonly DomainHealthCheck TooManyLookups = new("spf-lookups", "SPF", "SPF needs 11 DNS lookups (limit 10)", DomainHealthStatus.Fail,
        "Receivers stop at 10.", "v=spf1 include:_spf.contoso.test -all\ninclude:_spf.contoso.test: 11 lookups");
    private static readonly DomainHealthCheck DmarcNone = new("dmarc", "DMARC", "DMARC policy none", DomainHealthStatus.Warn,
        "p=none stops no forgery.", "v=DMARC1; p=none", "_dmarc.contoso.test", "TXT", "v=DMARC1; p=quarantine");
    private static readonly DomainHealthCheck SpfOk = new("spf", "SPF", "SPF record", DomainHealthStatus.Ok, "fabrikam.test publishes one valid SPF record.", "v=spf1 mx -all");

    private async Task ArrangeAsync()
    {
        var domains = Services.GetRequiredService<AcceptedDomainService>();
        await domains.CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "contoso.test" });
        await domains.CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "fabrikam.test" });
        await domains.CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "northwind.test" });
        var store = Services.GetRequiredService<DomainHealthService>();
        _checker.Store = store;
        await store.SaveAsync(new DomainHealthReport { Domain = "contoso.test", CheckedAt = DateTimeOffset.UtcNow, CheckedBy = "mx1", Checks = [MissingMx, TooManyLookups, DmarcNone] });
        await store.SaveAsync(new DomainHealthReport { Domain = "fabrikam.test", CheckedAt = DateTimeOffset.UtcNow, CheckedBy = "mx1", Checks = [SpfOk] });
    }

    private IRenderedComponent<DomainHealthPage> RenderPage(string? domain = null)
    {
        RenderProviders();
        var page = Render<DomainHealthPage>(p => p.Add(x => x.Domain, domain));
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("#domain-health-list")), WaitTimeout);
        return page;
    }

    [Fact]
    public async Task Domains_are_listed_with_their_status_and_the_failing_one_shows_its_checks_with_the_records_to_publish()
    {
        SignInAs("victor", AdminRoles.ViewOnly);
        await ArrangeAsync();

        var page = RenderPage();

        Assert.Equal(["contoso.test", "fabrikam.test", "northwind.test"], page.FindAll("[data-testid=domain-health-domain]").Select(e => e.TextContent));
        Assert.Equal(["Failing", "OK", "Not checked"], page.FindAll("[data-testid=domain-health-status]").Select(e => e.TextContent.Trim()));
        Assert.DoesNotContain("mailflow.local", page.Find("#domain-health-list").TextContent); // the placeholder has no DNS to check
        Assert.Equal("contoso.test", page.Find("#domain-health-selected").TextContent);
        Assert.Equal([("mx", "Fail"), ("spf-lookups", "Fail"), ("dmarc", "Warn")],
            page.FindAll("[data-testid=domain-health-check]").Select(e => (e.GetAttribute("data-check"), e.GetAttribute("data-status"))));
        Assert.Equal(["contoso.test. MX 10 mx.contoso.test.", "_dmarc.contoso.test. TXT \"v=DMARC1; p=quarantine\""],
            page.FindAll("[data-testid=domain-health-fix]").Select(e => e.TextContent));
        Assert.Contains("include:_spf.contoso.test: 11 lookups", page.FindAll("[data-testid=domain-health-found]")[0].TextContent);
        Assert.Contains("No MX record", page.Find("[data-check=mx]").TextContent);
    }

    [Fact]
    public async Task Check_now_runs_the_checker_for_the_shown_domain_and_shows_its_new_report()
    {
        SignInAs("victor", AdminRoles.ViewOnly);
        await ArrangeAsync();
        var page = RenderPage("northwind.test");
        Assert.Equal("northwind.test", page.Find("#domain-health-selected").TextContent);
        Assert.NotNull(page.Find("#domain-health-not-checked"));

        _checker.Next = new DomainHealthReport { Domain = "northwind.test", CheckedAt = DateTimeOffset.UtcNow, CheckedBy = "mx1", Checks = [SpfOk with { Summary = "northwind.test publishes one valid SPF record." }] };
        await page.Find("#domain-health-check-now").ClickAsync(new());

        Assert.Equal(["northwind.test"], _checker.Checked);
        page.WaitForAssertion(() => Assert.Equal(["spf"], page.FindAll("[data-testid=domain-health-check]").Select(e => e.GetAttribute("data-check"))), WaitTimeout);
        Assert.Equal(["Failing", "OK", "OK"], page.FindAll("[data-testid=domain-health-status]").Select(e => e.TextContent.Trim()));
    }

    [Fact]
    public async Task The_dashboard_alert_and_the_doctor_name_the_domains_whose_dns_is_not_ok_with_a_link()
    {
        SignInAs("victor", AdminRoles.ViewOnly);
        await ArrangeAsync();

        var alert = Render<DomainHealthAlert>();
        alert.WaitForAssertion(() => Assert.NotEmpty(alert.FindAll("#dashboard-domain-health")), WaitTimeout);
        var link = Assert.Single(alert.FindAll("[data-testid=dashboard-domain-health-link]"));
        Assert.Equal(("contoso.test", "mail-flow/domain-health/contoso.test"), (link.TextContent, link.GetAttribute("href")));
        Assert.Contains("contoso.test (2 failing, 1 warning)", System.Text.RegularExpressions.Regex.Replace(alert.Find("#dashboard-domain-health").TextContent, @"\s+", " "));

        var doctor = Render<DoctorWarnings>();
        doctor.WaitForAssertion(() => Assert.NotEmpty(doctor.FindAll("[data-check=domain-health]")), WaitTimeout);
        var finding = Assert.Single(doctor.FindAll("[data-check=domain-health]"));
        Assert.Contains("No MX record; SPF needs 11 DNS lookups (limit 10)", finding.TextContent);
        Assert.Equal("mail-flow/domain-health/contoso.test", finding.QuerySelector("a")!.GetAttribute("href"));
    }
}
