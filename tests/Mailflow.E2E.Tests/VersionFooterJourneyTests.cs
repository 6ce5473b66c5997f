using Mailflow.Cluster;
using Mailflow.Identity;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>The navigation drawer ends with the build this node runs (version, commit) and the node's name.</summary>
public sealed class VersionFooterJourneyTests(MailflowServerFixture server) : IClassFixture<MailflowServerFixture>, IAsyncLifetime
{
    private IPlaywright _playwright = default!;
    private IBrowser _browser = default!;

    public async Task InitializeAsync() => (_playwright, _browser) = await Browser.LaunchAsync();

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task Drawer_ShowsVersionCommitAndNode()
    {
        await AdminSignIn.CreateAccountAsync(server.Services, "vera", "vera's long footer password", AdminRoles.ViewOnly);
        await using var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BypassCSP = true, ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        try
        {
            await AdminSignIn.SignInAsync(page, server.BaseUrl, "vera", "vera's long footer password");
            var footer = page.Locator("#version-footer");
            await footer.ScrollIntoViewIfNeededAsync();
            await Expect(footer).ToContainTextAsync($"Mailflow {BuildInfo.Current.Version} ({BuildInfo.Current.ShortCommit})");
            await Expect(page.Locator("#version-node")).ToHaveTextAsync(MailflowServerFixture.NodeName);
            await page.Locator(".mud-drawer").ScreenshotAsync(new() { Path = Browser.ScreenshotPath("50-version-footer.png") });
        }
        catch
        {
            await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("failure-version-footer.png"), FullPage = true });
            throw;
        }
    }
}
