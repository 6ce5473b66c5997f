using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>
/// The admin's journey for remote domains, with a realistic list (partners with long names, the default
/// entry): a line-wrap length too short is refused next to the field; fixed, the entry is listed with what
/// it refuses and how it shapes content; the page at 1280 and 400 pixels. Screenshots under
/// test-artifacts/screenshots/remote-domains.
/// </summary>
public sealed class RemoteDomainsJourneyTests(MailflowSmtpServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : BrowserJourney(output), IClassFixture<MailflowSmtpServerFixture>
{
    private const string Password = "remote domains journey password 1";

    private static string Shot(string name) => Path.Combine(Browser.ScreenshotDirectory("remote-domains"), name);

    [Fact]
    public async Task AdminAddsAPartner_TooShortLineWrapIsRefusedAtTheField_ListReadsAtEveryWidth()
    {
        var domains = server.Get<RemoteDomainService>();
        await domains.CreateAsync(AdminActor.System, new RemoteDomain
        {
            Name = "Fabrikam subsidiaries (EMEA procurement and logistics)", DomainName = "*.emea.procurement.fabrikam-international.example",
            AllowAutomaticReplies = false, AllowAutomaticForwards = false, CharacterSet = "iso-8859-1", LineWrapSize = 78,
        });
        await domains.CreateAsync(AdminActor.System, new RemoteDomain { Name = "Contoso legal", DomainName = "legal.contoso.example", TrustedPartner = true });
        await domains.CreateAsync(AdminActor.System, new RemoteDomain
        {
            Name = "Tailspin Japan", DomainName = "tailspin.co.jp.example", NonMimeCharacterSet = "iso-2022-jp", AllowDeliveryReports = false,
        });
        await AdminSignIn.CreateAccountAsync(server.Services, "remote-admin", Password, AdminRoles.OrganizationManagement);
        await AdminSignIn.SignInAsync(Page, server.BaseUrl, "remote-admin", Password, "/mail-flow/remote-domains");
        await Page.Locator("#remote-domains-page[data-interactive=true]").WaitForAsync();
        await Expect(Page.Locator("#remote-domains [data-testid=remote-domain-domain]")).ToHaveCountAsync(4); // the three and the default *

        // 1. A line-wrap length of 12 characters: refused, the reason at the field; nothing stored.
        await Page.FillAsync("#remote-domain-name-input", "Woodgrove Bank statements");
        await Page.FillAsync("#remote-domain-domain-input", "statements.woodgrovebank.example");
        await Page.FillAsync("#remote-domain-line-wrap-input", "12");
        await Page.Locator("#remote-domain-line-wrap-input").BlurAsync();
        await Page.ClickAsync("#save-remote-domain");
        var wrapField = Page.Locator(".mud-input-control").Filter(new() { Has = Page.Locator("#remote-domain-line-wrap-input") });
        await Expect(wrapField).ToContainTextAsync("Enter a length from 30 to 998 characters");
        Assert.DoesNotContain(await domains.ListAsync(), d => d.DomainName == "statements.woodgrovebank.example");
        await Page.ScreenshotAsync(new() { Path = Shot("1-refused-at-the-field.png"), FullPage = true });

        // 2. Fixed: listed, with what it refuses and its content shaping, and stored.
        await Page.FillAsync("#remote-domain-line-wrap-input", "76");
        await Page.ClickAsync("#remote-domain-auto-forwards");
        await Page.ClickAsync("#save-remote-domain");
        var row = Page.Locator("#remote-domains tbody tr").Filter(new() { HasText = "statements.woodgrovebank.example" });
        await Expect(row.Locator("[data-testid=remote-domain-content]")).ToContainTextAsync("76");
        await Expect(row.Locator("[data-testid=remote-domain-refused]")).ToContainTextAsync("forward", new() { IgnoreCase = true });
        var stored = (await domains.ListAsync()).Single(d => d.DomainName == "statements.woodgrovebank.example");
        Assert.Equal((76, false), (stored.LineWrapSize, stored.AllowAutomaticForwards));
        await Page.Mouse.MoveAsync(0, 0);
        await Page.ScreenshotAsync(new() { Path = Shot("2-listed-1280.png"), FullPage = true });

        // 3. On a phone-sized screen every domain still reads in full.
        await Page.SetViewportSizeAsync(400, 800);
        await Expect(Page.Locator("#remote-domains [data-testid=remote-domain-domain]")).ToHaveCountAsync(5);
        // Every domain reads in full: no cell of the list is wider than the screen.
        var clipped = await Page.Locator("#remote-domains [data-testid=remote-domain-domain]").EvaluateAllAsync<int>(
            "cells => cells.filter(c => c.getBoundingClientRect().right > document.documentElement.clientWidth).length");
        Assert.Equal(0, clipped);
        await Page.ScreenshotAsync(new() { Path = Shot("3-listed-400.png"), FullPage = true });
    }
}
