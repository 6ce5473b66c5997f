using Mailflow.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>
/// Two admins in two browsers on the real server: Alice changes the configuration, and Bob's page, already
/// open, shows her change without a reload — his page keeps the same document the whole time.
/// </summary>
public sealed class LiveUpdatesJourneyTests(MailflowServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : IClassFixture<MailflowServerFixture>, IAsyncLifetime
{
    private const string Password = "a long password for live updates";
    private IPlaywright _playwright = default!;
    private IBrowser _browser = default!;
    private IBrowserContext _aliceContext = default!;
    private IBrowserContext _bobContext = default!;
    private IPage _alice = default!;
    private IPage _bob = default!;

    public async Task InitializeAsync()
    {
        (_playwright, _browser) = await Browser.LaunchAsync();
        // Two contexts: two cookie jars, two circuits — two admins on two machines.
        _aliceContext = await _browser.NewContextAsync(new BrowserNewContextOptions { BypassCSP = true, ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        _bobContext = await _browser.NewContextAsync(new BrowserNewContextOptions { BypassCSP = true, ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        _alice = await _aliceContext.NewPageAsync();
        _bob = await _bobContext.NewPageAsync();
        _alice.Console += (_, message) => output.WriteLine($"[alice {message.Type}] {message.Text}");
        _bob.Console += (_, message) => output.WriteLine($"[bob {message.Type}] {message.Text}");
    }

    public async Task DisposeAsync()
    {
        await _aliceContext.DisposeAsync();
        await _bobContext.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private async Task CreateAdminAsync(string name, string role)
    {
        await using var scope = server.Services.CreateAsyncScope();
        var users = scope.ServiceProvider.GetRequiredService<UserManager<AdminUser>>();
        var user = new AdminUser { UserName = name };
        Assert.True((await users.CreateAsync(user, Password)).Succeeded);
        Assert.True((await users.AddToRoleAsync(user, role)).Succeeded);
    }

    private static async Task SignInAsync(IPage page, string url, string name, string pageId)
    {
        await page.GotoAsync(url);
        await page.FillAsync("#login-username", name);
        await page.FillAsync("#login-password", Password);
        await page.ClickAsync("#login-submit");
        await page.Locator($"#{pageId}[data-interactive=true]").WaitForAsync(new() { Timeout = 20_000 });
    }

    [Fact]
    public async Task OpenPages_ShowAnotherAdminsChanges_WithoutAReload()
    {
        await CreateAdminAsync("alice", AdminRoles.OrganizationManagement);
        await CreateAdminAsync("bob", AdminRoles.ViewOnly);
        try
        {
            await SignInAsync(_bob, server.BaseUrl + "/mail-flow/accepted-domains", "bob", "accepted-domains-page");
            await Expect(_bob.Locator("#accepted-domains [data-testid=domain-name]")).ToHaveTextAsync(["mailflow.local"]);
            // Survives only as long as the document does: a reload or a navigation would drop it.
            await _bob.EvaluateAsync("() => window.mailflowSameDocument = true");

            await SignInAsync(_alice, server.BaseUrl + "/mail-flow/accepted-domains", "alice", "accepted-domains-page");
            await _alice.ClickAsync("#add-domain");
            await _alice.FillAsync("#domain-name-input", "contoso.test");
            await _alice.ClickAsync("#domain-save");
            await Expect(_alice.Locator("#accepted-domains [data-testid=domain-name]")).ToHaveTextAsync(["contoso.test", "mailflow.local"]);
            var generation = await server.LatestSavedGenerationAsync();

            await Expect(_bob.Locator("#accepted-domains [data-testid=domain-name]")).ToHaveTextAsync(["contoso.test", "mailflow.local"]);
            await Expect(_bob.Locator("#live-refresh-notice")).ToContainTextAsync($"generation {generation}");
            Assert.True(await _bob.EvaluateAsync<bool>("() => window.mailflowSameDocument === true"));
            // Alice made the change herself: her page says so with its own message, not with the notice.
            await Expect(_alice.Locator("#live-refresh-notice")).ToHaveCountAsync(0);
            await _bob.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("20-live-update-accepted-domains.png"), FullPage = true });

            // Same for a receive connector: Alice turns one off, Bob's open list says so.
            await _bob.ClickAsync("#nav-receive-connectors");
            await _bob.Locator("#receive-connectors-page[data-interactive=true]").WaitForAsync(new() { Timeout = 20_000 });
            var bobsRow = _bob.Locator("#receive-connectors tbody tr", new() { HasText = "Client Implicit TLS" });
            await Expect(bobsRow.Locator("[data-testid=connector-enabled]")).ToHaveTextAsync("Yes");
            await _bob.EvaluateAsync("() => window.mailflowSameDocument = 'receive'");

            await _alice.ClickAsync("#nav-receive-connectors");
            await _alice.Locator("#receive-connectors-page[data-interactive=true]").WaitForAsync(new() { Timeout = 20_000 });
            // MudSwitch puts the test id on its checkbox or on a wrapper around it, depending on the version.
            await _alice.Locator("input[data-testid='toggle-Client Implicit TLS'], [data-testid='toggle-Client Implicit TLS'] input").First.ClickAsync();
            await _alice.Locator(".mud-message-box .mud-dialog-actions button:last-child").ClickAsync();
            await Expect(_alice.Locator(".mud-snackbar", new() { HasText = "Client Implicit TLS is now disabled" })).ToBeVisibleAsync();

            await Expect(bobsRow.Locator("[data-testid=connector-enabled]")).ToHaveTextAsync("No");
            Assert.Equal("receive", await _bob.EvaluateAsync<string>("() => window.mailflowSameDocument"));
            await _bob.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("21-live-update-receive-connectors.png"), FullPage = true });
        }
        catch
        {
            await _alice.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("failure-live-updates-alice.png"), FullPage = true });
            await _bob.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("failure-live-updates-bob.png"), FullPage = true });
            output.WriteLine($"Bob at {_bob.Url}:\n{await _bob.ContentAsync()}");
            throw;
        }
    }
}
