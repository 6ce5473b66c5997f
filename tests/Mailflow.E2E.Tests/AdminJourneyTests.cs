using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>
/// A first-day admin in a real browser against the real server: sign in with the first-start
/// password, be held at the password change, change it, add an accepted domain (after a typo the
/// field explains) and see the domain both listed and in the engine's live configuration snapshot.
/// </summary>
public sealed class AdminJourneyTests(MailflowServerFixture server, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<MailflowServerFixture>, IAsyncLifetime
{
    private const string NewPassword = "correct horse battery staple";
    private IPlaywright _playwright = default!;
    private IBrowser _browser = default!;
    private IBrowserContext _context = default!;
    private IPage _page = default!;

    public async Task InitializeAsync()
    {
        (_playwright, _browser) = await Browser.LaunchAsync();
        _context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        _page = await _context.NewPageAsync();
        // Browser console and failed requests end up in the test output: the first place to look when a step times out.
        _page.Console += (_, message) => output.WriteLine($"[browser {message.Type}] {message.Text}");
        _page.RequestFailed += (_, request) => output.WriteLine($"[request failed] {request.Url} {request.Failure}");
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task FirstSignIn_ChangePasswordAndAddAcceptedDomain_ReachesTheLiveSnapshot()
    {
        try
        {
            await WalkTheJourneyAsync();
        }
        catch
        {
            // What the browser showed when a step failed.
            await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("failure-admin-journey.png"), FullPage = true });
            output.WriteLine($"Failed at {_page.Url}:\n{await _page.ContentAsync()}");
            throw;
        }
    }

    private async Task WalkTheJourneyAsync()
    {
        // Signed out: every page sends the browser to the sign-in form.
        await _page.GotoAsync(server.BaseUrl + "/mail-flow/accepted-domains");
        await Expect(_page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("01-login.png"), FullPage = true });

        // A wrong password is refused with a message.
        await _page.FillAsync("#login-username", "admin");
        await _page.FillAsync("#login-password", "not-the-password");
        await _page.ClickAsync("#login-submit");
        await Expect(_page.Locator("#login-error")).ToContainTextAsync("not right");

        // The first-start password leads to the forced change; other pages are out of reach until then.
        await _page.FillAsync("#login-username", "admin");
        await _page.FillAsync("#login-password", MailflowServerFixture.InitialPassword);
        await _page.ClickAsync("#login-submit");
        await Expect(_page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/change-password"));
        await Expect(_page.Locator("#must-change-notice")).ToBeVisibleAsync();
        await _page.GotoAsync(server.BaseUrl + "/queues");
        await Expect(_page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/change-password"));
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("02-change-password.png"), FullPage = true });

        await _page.FillAsync("#current-password", MailflowServerFixture.InitialPassword);
        await _page.FillAsync("#new-password", NewPassword);
        await _page.FillAsync("#confirm-password", NewPassword);
        await _page.ClickAsync("#change-password-submit");

        // Back to where the admin was headed, signed in, in the interactive layout.
        await Expect(_page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/queues$"));
        await Expect(_page.Locator("#signed-in-user")).ToHaveTextAsync("admin");
        await Expect(_page.Locator("#queues-page")).ToBeVisibleAsync();
        await Expect(_page.Locator("#generation-badge")).ToContainTextAsync($"active on {MailflowServerFixture.NodeName}");

        // Prerendered markup is visible before the circuit is up, and a click before then is lost.
        await _page.Locator("#admin-layout[data-interactive=true]").WaitForAsync(new() { Timeout = 20_000 });
        await _page.ClickAsync("#nav-accepted-domains");
        await _page.Locator("#accepted-domains-page[data-interactive=true]").WaitForAsync(new() { Timeout = 20_000 });
        await Expect(_page.Locator("#accepted-domains [data-testid=domain-name]")).ToHaveTextAsync(["mailflow.local"]);

        // A typo: the field says what is wrong as the admin types.
        await _page.ClickAsync("#add-domain");
        await _page.FillAsync("#domain-name-input", "contoso");
        await Expect(_page.Locator("[data-testid=domain-name-field] .mud-input-helper-text")).ToContainTextAsync("'contoso' has no dot");
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("03-add-domain-validation.png"), FullPage = true });

        await _page.FillAsync("#domain-name-input", "contoso.test");
        await Expect(_page.Locator("[data-testid=domain-name-field] .mud-input-helper-text")).Not.ToContainTextAsync("no dot");
        await _page.ClickAsync("#domain-save");

        await Expect(_page.Locator("#accepted-domains [data-testid=domain-name]")).ToHaveTextAsync(["contoso.test", "mailflow.local"]);
        await Expect(_page.Locator(".mud-snackbar")).ToContainTextAsync("contoso.test is now an accepted domain");

        // Browser → service → store → snapshot: the engine's configuration has the domain.
        var saved = await server.LatestSavedGenerationAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
            await server.ConfigProvider.WaitForGenerationAsync(saved, timeout.Token);
        var domain = server.ConfigProvider.Current.FindAcceptedDomain("contoso.test");
        Assert.NotNull(domain);
        Assert.Equal(Configuration.AcceptedDomainType.Authoritative, domain.Type);
        await Expect(_page.Locator("#generation-badge")).ToContainTextAsync($"generation {saved} active on {MailflowServerFixture.NodeName}");
        await Expect(_page.Locator("#generation-badge")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-chip-color-success"));
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("04-accepted-domains.png"), FullPage = true });

        // Signing out ends the session: the pages are behind the sign-in form again.
        await _page.ClickAsync("#sign-out");
        await Expect(_page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await _page.GotoAsync(server.BaseUrl + "/mail-flow/accepted-domains");
        await Expect(_page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
    }
}
