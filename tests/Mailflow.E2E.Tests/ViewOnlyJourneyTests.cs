using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>A View-Only admin sees the receive connectors but no way to change them, and the service refuses them too.</summary>
public sealed class ViewOnlyJourneyTests(MailflowServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : BrowserJourney(output), IClassFixture<MailflowServerFixture>
{
    private const string ViewerName = "victor";
    private const string ViewerPassword = "viewer password that is long";

    [Fact]
    public async Task ViewOnlyAdmin_WhenOpeningReceiveConnectors_SeesNoChangeButtonsAndTheServiceRefuses()
    {
        await AdminSignIn.CreateAccountAsync(server.Services, ViewerName, ViewerPassword, AdminRoles.ViewOnly);

        try
        {
            await AdminSignIn.SignInAsync(Page, server.BaseUrl, ViewerName, ViewerPassword, "/mail-flow/receive-connectors");
            await Page.Locator("#receive-connectors-page[data-interactive=true]").WaitForAsync(new() { Timeout = 20_000 });

            await Expect(Page.Locator("#receive-connectors [data-testid=connector-name]")).ToHaveCountAsync(3);
            await Expect(Page.Locator("#read-only-notice")).ToBeVisibleAsync();
            await Expect(Page.Locator("#add-receive-connector")).ToHaveCountAsync(0);
            await Expect(Page.Locator("[data-testid^=edit-]")).ToHaveCountAsync(0);
            await Expect(Page.Locator("[data-testid^=remove-]")).ToHaveCountAsync(0);
            await Expect(Page.Locator("[data-testid^=toggle-]")).ToHaveCountAsync(0);
            await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("12-receive-connectors-view-only.png"), FullPage = true });
        }
        catch
        {
            await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("failure-view-only-journey.png"), FullPage = true });
            Output.WriteLine($"Failed at {Page.Url}:\n{await Page.ContentAsync()}");
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
