using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>
/// The admin's journey for address rewriting: on Mail flow › Address rewriting a wildcard entry without
/// "outbound only" is refused with the message next to the field; fixed, it is listed; Test mail flow
/// then explains what a message to the Internet would carry. Screenshots under
/// test-artifacts/screenshots/address-rewriting.
/// </summary>
public sealed class AddressRewritingJourneyTests(MailflowSmtpServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : BrowserJourney(output), IClassFixture<MailflowSmtpServerFixture>
{
    private const string Password = "rewriting journey password 1";

    private static string Shot(string name) => Path.Combine(Browser.ScreenshotDirectory("address-rewriting"), name);

    [Fact]
    public async Task AdminAddsAnEntry_BadInputIsShownAtTheField_TestMailFlowExplainsTheRewrite()
    {
        await server.Get<AcceptedDomainService>().CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "corp.contoso.test" });
        await server.Get<RecipientService>().CreateAsync(AdminActor.System, new Recipient { Kind = RecipientKind.Mailbox, DisplayName = "Anna", PrimaryAddress = "anna@corp.contoso.test" });
        await server.Get<AddressRewriteService>().CreateAsync(AdminActor.System, new AddressRewriteEntry
        {
            Name = "Sales desk", InternalAddress = "desk@sales.contoso.test", ExternalAddress = "sales@contoso.test",
        });
        await AdminSignIn.CreateAccountAsync(server.Services, "rewriter", Password, AdminRoles.OrganizationManagement);
        await AdminSignIn.SignInAsync(Page, server.BaseUrl, "rewriter", Password, "/mail-flow/address-rewriting");
        await Page.Locator("#address-rewriting-page[data-interactive=true]").WaitForAsync();

        // 1. Every subdomain to contoso.test, but not marked outbound only: refused, the reason at the field.
        await Page.FillAsync("#rewrite-name-input", "All of corp");
        await Page.FillAsync("#rewrite-internal-input", "*.contoso.test");
        await Page.FillAsync("#rewrite-external-input", "contoso.test");
        await Page.FillAsync("#rewrite-exceptions-input", "*.lab.contoso.test, ceo@corp.contoso.test");
        await Page.Locator("#rewrite-exceptions-input").BlurAsync();
        await Page.WaitForTimeoutAsync(500);
        await Page.ClickAsync("#save-rewrite");
        await Expect(Page.Locator("#rewrite-outbound-only-error")).ToContainTextAsync("tick 'outbound only'");
        await Page.ScreenshotAsync(new() { Path = Shot("1-refused-at-the-field.png"), FullPage = true });

        // 2. Ticked: saved and listed next to the existing entry.
        await Page.Locator("#rewrite-outbound-only").ClickAsync();
        await Page.ClickAsync("#save-rewrite");
        var row = Page.Locator("#rewrites tbody tr").Filter(new() { HasText = "All of corp" });
        await Expect(row.Locator("[data-testid=rewrite-internal]")).ToHaveTextAsync("*.contoso.test");
        await Expect(row).ToContainTextAsync("Outbound only");
        await Page.Mouse.MoveAsync(0, 0);
        await Page.WaitForTimeoutAsync(500);
        await Page.ScreenshotAsync(new() { Path = Shot("2-listed.png"), FullPage = true });
        var stored = (await server.Get<AddressRewriteService>().ListAsync()).Single(e => e.Name == "All of corp");
        Assert.Equal(["*.lab.contoso.test", "ceo@corp.contoso.test"], stored.ExceptionList);
        await server.WaitForLatestGenerationAsync();

        // 3. Test mail flow: Anna writes to the Internet; her address leaves as anna@contoso.test.
        await Page.GotoAsync(server.BaseUrl + "/mail-flow/test");
        await Page.Locator("#test-mail-flow-page[data-interactive=true]").WaitForAsync();
        await Page.FillAsync("#test-sender", "anna@corp.contoso.test");
        await Page.FillAsync("#test-recipients", "partner@fabrikam.example");
        await Page.ClickAsync("#test-authenticated");
        await Page.ClickAsync("#run-test");
        var rewrite = Page.Locator("#test-address-rewriting [data-testid=address-rewrite]");
        await Expect(rewrite).ToContainTextAsync("MAIL FROM: rewritten anna@corp.contoso.test → anna@contoso.test by address rewriting entry 'All of corp'", new() { Timeout = 30_000 });
        await Page.Locator("#test-address-rewriting").ScrollIntoViewIfNeededAsync();
        await Page.ScreenshotAsync(new() { Path = Shot("3-test-mail-flow.png"), FullPage = true });
    }
}
