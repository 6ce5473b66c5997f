using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>
/// An admin sets a free-disk threshold above the real free space in Settings › Organization; the
/// overview then shows back pressure High and why. Screenshots of both for review.
/// </summary>
public sealed class BackPressureJourneyTests(MailflowServerFixture server) : IClassFixture<MailflowServerFixture>, IAsyncLifetime
{
    private const string Password = "a long password for back pressure";
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
    public async Task DiskThresholdAboveTheFreeSpace_ShowsHighBackPressureAndWhyOnTheOverview()
    {
        await AdminSignIn.CreateAccountAsync(server.Services, "ops", Password, AdminRoles.OrganizationManagement);
        await AdminSignIn.SignInAsync(_page, server.BaseUrl, "ops", Password, "/settings");

        await _page.FillAsync("#org-bp-disk-medium", "10000000");
        await _page.FillAsync("#org-bp-disk-high", "10000000");
        await _page.ClickAsync("#org-save");
        await Expect(_page.Locator("#org-save")).ToBeEnabledAsync();
        var organization = server.Services.GetRequiredService<OrganizationSettingsService>();
        for (var i = 0; i < 100 && (await organization.GetAsync()).BackPressureDiskFreeHighMegabytes != 10_000_000; i++)
            await Task.Delay(100);
        Assert.Equal(10_000_000, (await organization.GetAsync()).BackPressureDiskFreeHighMegabytes);
        await _page.Locator("#org-bp-disk-high").ScrollIntoViewIfNeededAsync();
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("60-back-pressure-settings.png") });

        await _page.GotoAsync(server.BaseUrl + "/");
        var panel = _page.Locator("#dashboard-back-pressure[data-level=High]");
        await Expect(panel).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Expect(panel.Locator("[data-testid=back-pressure-why]")).ToContainTextAsync("New messages are refused with 452 4.3.1: free disk space in the data directory:");
        await Expect(panel.Locator("[data-testid=back-pressure-why]")).ToContainTextAsync("(high below 10000000 MB)");
        await panel.ScrollIntoViewIfNeededAsync();
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("61-back-pressure-dashboard.png"), FullPage = true });
    }
}
