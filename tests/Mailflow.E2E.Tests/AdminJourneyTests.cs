using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>
/// A first-day admin in a real browser against the real server: sign in with the first-start
/// password, be held at the password change, change it, add an accepted domain (after a typo the
/// field explains) and see the domain both listed and in the engine's live configuration snapshot.
/// </summary>
public sealed class AdminJourneyTests(MailflowServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : BrowserJourney(output), IClassFixture<MailflowServerFixture>
{
    private const string NewPassword = "correct horse battery staple";

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
            await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("failure-admin-journey.png"), FullPage = true });
            Output.WriteLine($"Failed at {Page.Url}:\n{await Page.ContentAsync()}");
            throw;
        }
    }

    private async Task WalkTheJourneyAsync()
    {
        // Signed out: every page sends the browser to the sign-in form.
        await Page.GotoAsync(server.BaseUrl + "/mail-flow/accepted-domains");
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("01-login.png"), FullPage = true });

        // A wrong password is refused with a message.
        await Page.FillAsync("#login-username", "admin");
        await Page.FillAsync("#login-password", "not-the-password");
        await Page.ClickAsync("#login-submit");
        await Expect(Page.Locator("#login-error")).ToContainTextAsync("not right");

        // The first-start password leads to the forced change; other pages are out of reach until then.
        await Page.FillAsync("#login-username", "admin");
        await Page.FillAsync("#login-password", MailflowServerFixture.InitialPassword);
        await Page.ClickAsync("#login-submit");
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/change-password"));
        await Expect(Page.Locator("#must-change-notice")).ToBeVisibleAsync();
        await Page.GotoAsync(server.BaseUrl + "/queues");
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/change-password"));
        await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("02-change-password.png"), FullPage = true });

        await Page.FillAsync("#current-password", MailflowServerFixture.InitialPassword);
        await Page.FillAsync("#new-password", NewPassword);
        await Page.FillAsync("#confirm-password", NewPassword);
        await Page.ClickAsync("#change-password-submit");

        // Back to where the admin was headed, signed in, in the interactive layout.
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/queues$"));
        await Expect(Page.Locator("#signed-in-user")).ToHaveTextAsync("admin");
        await Expect(Page.Locator("#queues-page")).ToBeVisibleAsync();
        await Expect(Page.Locator("#generation-badge")).ToContainTextAsync($"active on {MailflowServerFixture.NodeName}");

        // Prerendered markup is visible before the circuit is up, and a click before then is lost.
        await Page.Locator("#admin-layout[data-interactive=true]").WaitForAsync(new() { Timeout = 20_000 });
        await Page.ClickAsync("#nav-accepted-domains");
        await Page.Locator("#accepted-domains-page[data-interactive=true]").WaitForAsync(new() { Timeout = 20_000 });
        await Expect(Page.Locator("#accepted-domains [data-testid=domain-name]")).ToHaveTextAsync(["mailflow.local"]);

        // A typo: the field says what is wrong as the admin types.
        await Page.ClickAsync("#add-domain");
        await Page.FillAsync("#domain-name-input", "contoso");
        await Expect(Page.Locator("[data-testid=domain-name-field] .mud-input-helper-text")).ToContainTextAsync("'contoso' has no dot");
        await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("03-add-domain-validation.png"), FullPage = true });

        await Page.FillAsync("#domain-name-input", "contoso.test");
        await Expect(Page.Locator("[data-testid=domain-name-field] .mud-input-helper-text")).Not.ToContainTextAsync("no dot");
        await Page.ClickAsync("#domain-save");

        await Expect(Page.Locator("#accepted-domains [data-testid=domain-name]")).ToHaveTextAsync(["contoso.test", "mailflow.local"]);
        await Expect(Page.Locator(".mud-snackbar")).ToContainTextAsync("contoso.test is now an accepted domain");

        // Browser → service → store → snapshot: the engine's configuration has the domain.
        var saved = await server.LatestSavedGenerationAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
            await server.ConfigProvider.WaitForGenerationAsync(saved, timeout.Token);
        var domain = server.ConfigProvider.Current.FindAcceptedDomain("contoso.test");
        Assert.NotNull(domain);
        Assert.Equal(Configuration.AcceptedDomainType.Authoritative, domain.Type);
        await Expect(Page.Locator("#generation-badge")).ToContainTextAsync($"generation {saved} active on {MailflowServerFixture.NodeName}");
        await Expect(Page.Locator("#generation-badge")).ToHaveClassAsync(new System.Text.RegularExpressions.Regex("mud-chip-color-success"));
        await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("04-accepted-domains.png"), FullPage = true });

        // Signing out ends the session: the pages are behind the sign-in form again.
        await Page.ClickAsync("#sign-out");
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
        await Page.GotoAsync(server.BaseUrl + "/mail-flow/accepted-domains");
        await Expect(Page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/login"));
    }
}
