using System.Net;
using Mailflow.Configuration;
using Mailflow.Identity;
using Mailflow.Server.Transport.Receive;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>
/// An admin lowers the organization's hop count limits in Settings › Organization, then finds with
/// "Test mail flow" that a send connector's smart host is this server itself (a routing loop).
/// Screenshots of both for review.
/// </summary>
public sealed class LoopProtectionJourneyTests(SmtpMailflowServerFixture server) : IClassFixture<SmtpMailflowServerFixture>, IAsyncLifetime
{
    private const string Password = "a long password for loop protection";
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
    public async Task HopLimitsAreSaved_AndTestMailFlowShowsASmartHostThatIsThisServer()
    {
        await AdminSignIn.CreateAccountAsync(server.Services, "loops", Password, AdminRoles.OrganizationManagement);
        await AdminSignIn.SignInAsync(_page, server.BaseUrl, "loops", Password, "/settings");

        await _page.FillAsync("#org-max-hops", "25");
        await _page.FillAsync("#org-max-local-hops", "6");
        await _page.ClickAsync("#org-save");
        await Expect(_page.Locator("#org-save")).ToBeEnabledAsync();
        var organization = server.Services.GetRequiredService<OrganizationSettingsService>();
        for (var i = 0; i < 100 && (await organization.GetAsync()).MaxHopCount != 25; i++)
            await Task.Delay(100);
        Assert.Equal(25, (await organization.GetAsync()).MaxHopCount);
        Assert.Equal(6, (await organization.GetAsync()).MaxLocalHopCount);
        await _page.EvaluateAsync("document.querySelector('#org-max-receive').scrollIntoView({ block: 'center' })");
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("70-hop-count-settings.png") });

        var frontend = server.Services.GetRequiredService<TransportConfigProvider>().Current.ReceiveConnectors.Single(c => c.Name == "Default Frontend");
        var port = ((IPEndPoint)server.Services.GetRequiredService<ReceiveEngine>().Host!.BoundEndPoints[frontend.Bindings[0]]).Port;
        await server.Services.GetRequiredService<SendConnectorService>().CreateAsync(AdminActor.System, new SendConnector
        {
            Name = "Outbound (misconfigured)",
            AddressSpaces = [new AddressSpace("*")],
            RoutingMethod = SendRoutingMethod.SmartHost,
            SmartHosts = [$"127.0.0.1:{port}"],
        });

        await _page.GotoAsync(server.BaseUrl + "/mail-flow/test");
        await Expect(_page.Locator("#test-mail-flow-page[data-interactive=true]")).ToBeVisibleAsync();
        await _page.FillAsync("#test-sender", "anna@contoso.test");
        await _page.FillAsync("#test-recipients", "partner@fabrikam.example");
        await _page.ClickAsync("#test-authenticated");
        await _page.ClickAsync("#run-test");
        var loop = _page.Locator("[data-testid=route-loop]");
        await Expect(loop).ToContainTextAsync($"127.0.0.1:{port} is this server's own receive listener", new() { Timeout = 30_000 });
        await Expect(_page.Locator("#test-summary")).ToContainTextAsync("points back at this server");
        // Every recipient is accepted, but delivery would not happen: not a green result.
        Assert.Contains("mud-alert-text-warning", await _page.Locator("#test-summary").GetAttributeAsync("class") ?? "");
        await loop.ScrollIntoViewIfNeededAsync();
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("71-test-mail-flow-route-loop.png"), FullPage = true });
    }
}
