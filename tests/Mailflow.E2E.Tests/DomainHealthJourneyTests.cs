using Mailflow.Configuration;
using Mailflow.DomainHealth;
using Mailflow.Identity;
using Mailflow.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>The admin center with its DNS answered by a loopback zone the journey writes (no real DNS in tests).</summary>
public sealed class DomainHealthServerFixture : MailflowServerFixture
{
    public LoopbackDnsServer Dns { get; } = new();

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    protected override void ConfigureSmtp(IWebHostBuilder builder)
    {
        builder.UseSetting("Mailflow:Dns:Servers:0", Dns.EndPoint.ToString());
        builder.UseSetting("Mailflow:Dns:TimeoutMilliseconds", "2000");
        builder.UseSetting("Mailflow:Fqdn", "mx1.contoso.test");
        builder.UseSetting("Mailflow:DefaultDomain", "contoso.test");
        builder.UseSetting("Mailflow:DomainHealth:MtaStsTimeoutSeconds", "3");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Dns.DisposeAsync();
    }
}

/// <summary>
/// Mail flow › Domain health in a real browser, with a realistic zone: contoso.test is nearly right
/// (a rotation's next DKIM key not yet published, no MTA-STS); fabrikam.test has the classic mistakes
/// (SPF over 10 lookups, a DKIM record with an old key, no DMARC). "Check now" runs in the browser.
/// Screenshots under test-artifacts/screenshots/domain-health.
/// </summary>
public sealed class DomainHealthJourneyTests(DomainHealthServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : BrowserJourney(output), IClassFixture<DomainHealthServerFixture>
{
    private const string Password = "domain health journey password 1";

    private static string Shot(string name) => Path.Combine(Browser.ScreenshotDirectory("domain-health"), name);

    [Fact]
    public async Task FailingDomainShowsEachProblemWithTheRecordToPublish_CheckNowShowsTheFix()
    {
        await server.Get<AcceptedDomainService>().CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "fabrikam.test" });
        var keys = server.Get<DkimKeyService>();
        var contosoKey = await keys.GenerateAsync(AdminActor.System, "contoso.test", "mf2026a", DkimKeyAlgorithm.Rsa2048, enabled: true);
        await server.Get<DkimKeyRotation>().StartAsync(AdminActor.System, "contoso.test");
        var fabrikamKey = await keys.GenerateAsync(AdminActor.System, "fabrikam.test", "s2026", DkimKeyAlgorithm.Ed25519, enabled: true);
        var oldKey = await keys.GenerateAsync(AdminActor.System, "fabrikam.test", "s2019", DkimKeyAlgorithm.Ed25519);
        for (var attempt = 0; attempt < 100 && server.ConfigProvider.Current.DkimSigningKeys.Length < 4; attempt++)
            await Task.Delay(100);

        server.Dns
            .A("mx1.contoso.test", "203.0.113.25").Ptr("203.0.113.25", "mx1.contoso.test")
            .Mx("contoso.test", 10, "mx1.contoso.test")
            .Txt("contoso.test", "v=spf1 ip4:203.0.113.25 include:spf.protection.example -all")
            .Txt("spf.protection.example", "v=spf1 ip4:40.92.0.0/15 ip4:40.107.0.0/16 ip4:52.100.0.0/14 -all")
            .Txt(contosoKey.DnsRecordName, contosoKey.DnsRecordValue)
            .Txt("_dmarc.contoso.test", "v=DMARC1; p=quarantine; rua=mailto:dmarc@contoso.test")
            .Txt("_smtp._tls.contoso.test", "v=TLSRPTv1; rua=mailto:tls-reports@contoso.test")
            .Mx("fabrikam.test", 10, "mx1.contoso.test")
            .Txt("fabrikam.test", "v=spf1 include:_spf.crm.example include:_spf.newsletter.example include:servers.mcsv.example ~all")
            .Txt("_spf.crm.example", "v=spf1 a:crm1.crm.example a:crm2.crm.example a:crm3.crm.example mx -all")
            .Txt("_spf.newsletter.example", "v=spf1 include:_a.newsletter.example include:_b.newsletter.example -all")
            .Txt("_a.newsletter.example", "v=spf1 ip4:198.51.100.0/24 -all")
            .Txt("_b.newsletter.example", "v=spf1 ip4:192.0.2.0/24 -all")
            .Txt("servers.mcsv.example", "v=spf1 a:mail1.mcsv.example a:mail2.mcsv.example -all")
            .Txt(fabrikamKey.DnsRecordName, oldKey.DnsRecordValue);
        foreach (var host in new[] { "crm1.crm.example", "crm2.crm.example", "crm3.crm.example", "mail1.mcsv.example", "mail2.mcsv.example" })
            server.Dns.A(host, "198.51.100.7");
        server.Dns.Mx("crm.example", 10, "crm1.crm.example");
        Assert.NotNull(await server.Get<IDomainHealthChecker>().CheckNowAsync("contoso.test"));

        await AdminSignIn.CreateAccountAsync(server.Services, "olivia", Password, AdminRoles.OrganizationManagement);
        await AdminSignIn.SignInAsync(Page, server.BaseUrl, "olivia", Password, "/mail-flow/domain-health/fabrikam.test");
        await Page.Locator("#domain-health-page[data-interactive=true]").WaitForAsync();
        // The worker may have checked it already (it starts 30 s after the node); "Check now" asks again either way.

        var before = await Page.Locator("#domain-health-report").GetAttributeAsync("data-checked-at") ?? "";
        await Page.Locator("#domain-health-check-now").ClickAsync();
        await Expect(Page.Locator("#domain-health-report")).Not.ToHaveAttributeAsync("data-checked-at", before, new() { Timeout = 60_000 });
        await Expect(Page.Locator("#domain-health-check-now")).ToBeEnabledAsync();
        await Expect(Page.Locator("[data-testid=domain-health-check][data-check=spf-lookups]")).ToHaveAttributeAsync("data-status", "Fail", new() { Timeout = 60_000 });
        await Expect(Page.Locator("[data-check=spf-lookups]")).ToContainTextAsync("SPF needs 11 DNS lookups (limit 10)");
        await Expect(Page.Locator("[data-check='dkim:s2026']")).ToHaveAttributeAsync("data-status", "Fail");
        await Expect(Page.Locator("[data-check='dkim:s2026'] [data-testid=domain-health-fix]")).ToHaveTextAsync($"s2026._domainkey.fabrikam.test. TXT \"{fabrikamKey.DnsRecordValue}\"");
        await Expect(Page.Locator("[data-check=dmarc] [data-testid=domain-health-fix]")).ToHaveTextAsync("_dmarc.fabrikam.test. TXT \"v=DMARC1; p=none; rua=mailto:dmarc@fabrikam.test\"");
        await Expect(Page.Locator("[data-check=spf-senders] [data-testid=domain-health-fix]")).ToHaveTextAsync(
            "fabrikam.test. TXT \"v=spf1 ip4:203.0.113.25 include:_spf.crm.example include:_spf.newsletter.example include:servers.mcsv.example ~all\"");
        await Expect(Page.Locator("[data-check='ptr:203.0.113.25']")).ToHaveAttributeAsync("data-status", "Ok");
        var statuses = Page.Locator("[data-testid=domain-health-status]");
        await Expect(statuses).ToHaveTextAsync(["Warning", "Failing"]);
        await Page.ScreenshotAsync(new() { Path = Shot("fabrikam-failing.png"), FullPage = true });

        await Page.Locator("[data-testid=domain-health-domain]", new() { HasTextString = "contoso.test" }).ClickAsync();
        await Expect(Page.Locator("#domain-health-selected")).ToHaveTextAsync("contoso.test");
        await Expect(Page.Locator("[data-check='dkim:mf2026a']")).ToHaveAttributeAsync("data-status", "Ok");
        await Expect(Page.Locator("[data-check=mta-sts]")).ToHaveAttributeAsync("data-status", "Warn");
        await Page.ScreenshotAsync(new() { Path = Shot("contoso-nearly-right.png"), FullPage = true });

        // 400 px wide: long records (a 2048-bit key) wrap, the page does not scroll sideways.
        await Page.SetViewportSizeAsync(400, 800);
        await Expect(Page.Locator("[data-check='dkim:mf2026a']")).ToBeVisibleAsync();
        var widths = await Page.EvaluateAsync<int[]>("[document.scrollingElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= widths[1] + 2, $"The domain health page scrolls sideways at 400 px: content {widths[0]} px wide.");
        await Page.ScreenshotAsync(new() { Path = Shot("contoso-narrow.png"), FullPage = false });
        await Page.SetViewportSizeAsync(1280, 800);

        // The doctor and the dashboard point at the failing domain.
        await Page.GotoAsync(server.BaseUrl + "/configuration-doctor");
        await Expect(Page.Locator("[data-check=domain-health]").First).ToContainTextAsync("fabrikam.test");
        await Page.GotoAsync(server.BaseUrl + "/");
        await Expect(Page.Locator("#dashboard-domain-health")).ToContainTextAsync("fabrikam.test");
        await Page.ScreenshotAsync(new() { Path = Shot("dashboard.png"), FullPage = false });
    }
}
