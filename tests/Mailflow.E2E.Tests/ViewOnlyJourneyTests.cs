using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>A View-Only admin sees the receive connectors but no way to change them, and the service refuses them too.</summary>
public sealed class ViewOnlyJourneyTests(MailflowServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : IClassFixture<MailflowServerFixture>, IAsyncLifetime
{
    private const string ViewerName = "victor";
    private const string ViewerPassword = "viewer password that is long";
    private IPlaywright _playwright = default!;
    private IBrowser _browser = default!;
    private IBrowserContext _context = default!;
    private IPage _page = default!;

    public async Task InitializeAsync()
    {
        (_playwright, _browser) = await Browser.LaunchAsync();
        _context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        _page = await _context.NewPageAsync();
        _page.Console += (_, message) => output.WriteLine($"[browser {message.Type}] {message.Text}");
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task ViewOnlyAdmin_WhenOpeningReceiveConnectors_SeesNoChangeButtonsAndTheServiceRefuses()
    {
        await using (var scope = server.Services.CreateAsyncScope())
        {
            var users = scope.ServiceProvider.GetRequiredService<UserManager<AdminUser>>();
            var viewer = new AdminUser { UserName = ViewerName };
            Assert.True((await users.CreateAsync(viewer, ViewerPassword)).Succeeded);
            Assert.True((await users.AddToRoleAsync(viewer, AdminRoles.ViewOnly)).Succeeded);
        }

        try
        {
            await _page.GotoAsync(server.BaseUrl + "/mail-flow/receive-connectors");
            await _page.FillAsync("#login-username", ViewerName);
            await _page.FillAsync("#login-password", ViewerPassword);
            await _page.ClickAsync("#login-submit");
            await _page.Locator("#receive-connectors-page[data-interactive=true]").WaitForAsync(new() { Timeout = 20_000 });

            await Expect(_page.Locator("#receive-connectors [data-testid=connector-name]")).ToHaveCountAsync(3);
            await Expect(_page.Locator("#read-only-notice")).ToBeVisibleAsync();
            await Expect(_page.Locator("#add-receive-connector")).ToHaveCountAsync(0);
            await Expect(_page.Locator("[data-testid^=edit-]")).ToHaveCountAsync(0);
            await Expect(_page.Locator("[data-testid^=remove-]")).ToHaveCountAsync(0);
            await Expect(_page.Locator("[data-testid^=toggle-]")).ToHaveCountAsync(0);
            await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("12-receive-connectors-view-only.png"), FullPage = true });
        }
        catch
        {
            await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("failure-view-only-journey.png"), FullPage = true });
            output.WriteLine($"Failed at {_page.Url}:\n{await _page.ContentAsync()}");
            throw;
        }

        // The hidden buttons are a courtesy; the service is the gate.
        var connectors = server.Services.GetRequiredService<ReceiveConnectorService>();
        var viewerActor = new AdminActor(ViewerName, new HashSet<string> { AdminRoles.ViewOnly });
        var target = (await connectors.ListAsync())[0];
        target.Enabled = !target.Enabled;
        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => connectors.UpdateAsync(viewerActor, target));
        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => connectors.DeleteAsync(viewerActor, target.Id));
    }
}
