using Mailflow.Cluster;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.DomainHealth;
using Mailflow.Identity;
using Mailflow.Server.Operations.Alerts;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>
/// Real causes — a stored certificate that expires in 5 days, a node that stopped heartbeating, a domain whose SPF
/// fails — raise alerts; the admin sees the badge in the navigation and on the overview, opens Alerts (critical first,
/// each with its text and a link to where it is fixed, the cleared one in the history) and sets a notification
/// address. Screenshots for review.
/// </summary>
public sealed class AlertsJourneyTests(MailflowServerFixture server) : IClassFixture<MailflowServerFixture>, IAsyncLifetime
{
    private const string Password = "a long password for alerts";
    private IPlaywright _playwright = default!;
    private IBrowser _browser = default!;
    private IPage _page = default!;

    public async Task InitializeAsync()
    {
        (_playwright, _browser) = await Browser.LaunchAsync();
        _page = await _browser.NewPageAsync(new BrowserNewPageOptions { BypassCSP = true, ViewportSize = new ViewportSize { Width = 1280, Height = 900 } });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task RealCausesRaiseAlerts_ShownActiveFirstWithWhereToFixThem()
    {
        var services = server.Services;
        var dbFactory = services.GetRequiredService<IDbContextFactory<MailflowDbContext>>();
        var evaluator = services.GetRequiredService<AlertEvaluator>();
        await services.GetRequiredService<TlsCertificateService>().GenerateSelfSignedAsync(AdminActor.System, "mx.contoso.test 2026", "mx.contoso.test", validityDays: 5);
        await services.GetRequiredService<DomainHealthService>().SaveAsync(new DomainHealthReport
        {
            Domain = "fabrikam.test", CheckedAt = DateTimeOffset.UtcNow, CheckedBy = MailflowServerFixture.NodeName, Status = DomainHealthStatus.Fail,
            Checks = [new DomainHealthCheck("spf", "SPF", "SPF record", DomainHealthStatus.Fail, "Two SPF records are published; receivers treat that as a permanent error (RFC 7208 §4.5).")],
        });
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            db.Nodes.Add(new NodeRegistration { Name = "node-b", Address = "10.0.0.12", StartedAt = DateTimeOffset.UtcNow.AddDays(-2), FirstStartedAt = DateTimeOffset.UtcNow.AddDays(-2), StartCount = 1, LastHeartbeat = DateTimeOffset.UtcNow.AddMinutes(-42) });
            await db.SaveChangesAsync();
        }
        // node-b comes back once (an alert in the history), then goes silent again.
        await evaluator.EvaluateOnceAsync(CancellationToken.None);
        await SetHeartbeatAsync(dbFactory, DateTimeOffset.UtcNow);
        await evaluator.EvaluateOnceAsync(CancellationToken.None);
        await SetHeartbeatAsync(dbFactory, DateTimeOffset.UtcNow.AddMinutes(-12));
        var changes = await evaluator.EvaluateOnceAsync(CancellationToken.None);
        Assert.Contains(changes.Raised, a => a.Subject == "node-b");

        await AdminSignIn.CreateAccountAsync(services, "nora", Password, AdminRoles.OrganizationManagement);
        await AdminSignIn.SignInAsync(_page, server.BaseUrl, "nora", Password, "/");
        await Expect(_page.Locator("#dashboard-alerts")).ToContainTextAsync("3 active alerts (1 critical)");
        await Expect(_page.Locator("#nav-alerts-count")).ToHaveTextAsync("3");
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("70-alerts-dashboard.png") });

        await _page.ClickAsync("#dashboard-alerts-link");
        await Expect(_page.Locator("#alerts-page[data-interactive=true]")).ToBeVisibleAsync();
        var alerts = _page.Locator("[data-testid=alert]");
        await Expect(alerts).ToHaveCountAsync(3);
        // Critical first.
        await Expect(alerts.First).ToHaveAttributeAsync("data-kind", "NodeHeartbeatMissing");
        await Expect(alerts.First).ToContainTextAsync("Node node-b has not been heard from for 12 minutes");
        var certificate = _page.Locator("[data-testid=alert][data-kind=CertificateExpiring]");
        await Expect(certificate).ToContainTextAsync("TLS certificate \"mx.contoso.test 2026\" expires in");
        await Expect(certificate.Locator("[data-testid=alert-fix]")).ToHaveAttributeAsync("href", "settings/tls-certificates");
        await Expect(_page.Locator("[data-testid=alert][data-kind=DomainHealth] [data-testid=alert-fix]")).ToHaveAttributeAsync("href", "mail-flow/domain-health/fabrikam.test");
        await Expect(_page.Locator("#alerts-history")).ToContainTextAsync("node-b");

        await _page.FillAsync("#alert-notify-address", "not-an-address");
        await Expect(_page.Locator("#alert-settings")).ToContainTextAsync("is not an email address");
        await _page.FillAsync("#alert-notify-address", "noc@contoso.test");
        await _page.FillAsync("#alert-webhook-url", "https://hooks.contoso.test/mailflow");
        await _page.FillAsync("#alert-webhook-secret", "a webhook secret");
        await _page.ClickAsync("#alert-settings-save");
        var settings = services.GetRequiredService<OperationsSettingsService>();
        for (var i = 0; i < 100 && (await settings.GetAsync()).Alerts.NotifyAddress != "noc@contoso.test"; i++)
            await Task.Delay(100);
        var saved = await settings.GetAsync();
        Assert.Equal("https://hooks.contoso.test/mailflow", saved.Alerts.WebhookUrl);
        Assert.NotNull(saved.AlertWebhookSecretProtected);
        await Expect(_page.Locator("#alert-webhook-secret")).ToHaveValueAsync("");
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("71-alerts-page.png"), FullPage = true });
    }

    private static async Task SetHeartbeatAsync(IDbContextFactory<MailflowDbContext> dbFactory, DateTimeOffset at)
    {
        await using var db = await dbFactory.CreateDbContextAsync();
        var node = await db.Nodes.SingleAsync(n => n.Name == "node-b");
        node.LastHeartbeat = at;
        await db.SaveChangesAsync();
    }
}
