using Mailflow.Identity;
using Microsoft.Playwright;

namespace Mailflow.E2E.Tests;

/// <summary>
/// An admin on a light operating system switches to the dark theme; after a reload the server's first paint is already
/// dark (no light flash while the circuit starts), and switching back sticks the same way.
/// </summary>
public sealed class ThemeJourneyTests(MailflowServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : BrowserJourney(output), IClassFixture<MailflowServerFixture>
{
    private const string AdminName = "dana";
    private const string AdminPassword = "dana's long theme password";

    // The body's background brightness: below the middle grey is the dark theme.
    private const string IsDarkScript = "() => { const c = getComputedStyle(document.body).backgroundColor.match(/\\d+(\\.\\d+)?/g); return (+c[0] + +c[1] + +c[2]) / 3 < 128; }";

    [Fact]
    public async Task ThemeToggle_WhenThePageIsReloaded_IsRememberedFromTheFirstPaint()
    {
        await AdminSignIn.CreateAccountAsync(server.Services, AdminName, AdminPassword, AdminRoles.ViewOnly);
        await Page.EmulateMediaAsync(new() { ColorScheme = ColorScheme.Light });
        await AdminSignIn.SignInAsync(Page, server.BaseUrl, AdminName, AdminPassword, "/mail-flow/accepted-domains");
        Assert.False(await Page.EvaluateAsync<bool>(IsDarkScript));

        await Page.ClickAsync("#theme-toggle");
        await Page.WaitForFunctionAsync(IsDarkScript);
        await Page.WaitForFunctionAsync("() => document.cookie.includes('mailflow-theme=dark')");

        // Blazor's script is held back, so what is measured is the server's prerendered HTML alone.
        await Page.RouteAsync("**/_framework/blazor.web.js", route => route.AbortAsync());
        await Page.ReloadAsync(new() { WaitUntil = WaitUntilState.DOMContentLoaded });
        Assert.True(await Page.EvaluateAsync<bool>(IsDarkScript), "the prerendered page should already be dark");
        await Page.UnrouteAsync("**/_framework/blazor.web.js");

        await Page.ReloadAsync();
        await Page.Locator("#admin-layout[data-interactive=true]").WaitForAsync();
        await Page.ClickAsync("#theme-toggle");
        await Page.WaitForFunctionAsync("() => document.cookie.includes('mailflow-theme=light')");
        await Page.ReloadAsync();
        await Page.Locator("#admin-layout[data-interactive=true]").WaitForAsync();
        Assert.False(await Page.EvaluateAsync<bool>(IsDarkScript));
    }
}
