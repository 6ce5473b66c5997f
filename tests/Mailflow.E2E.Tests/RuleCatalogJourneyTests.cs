using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>
/// The rule editor with the fuller catalog: a rule using message type, importance, attachment
/// protection, character set and authentication verdicts, with a blind copy, an incident report and a
/// moderator, opened in the browser, read back in plain language and photographed.
/// </summary>
public sealed class RuleCatalogJourneyTests(MailflowServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : BrowserJourney(output), IClassFixture<MailflowServerFixture>
{
    [Fact]
    public async Task RuleWithNewConditions_ShowsEachInputAndThePlainLanguageSummary_InTheEditor()
    {
        var rule = await server.Services.GetRequiredService<TransportRuleService>().CreateAsync(AdminActor.System, new TransportRule
        {
            Name = "Protected partner archives",
            Definition = new RuleDefinition
            {
                Conditions =
                [
                    new RulePredicate { Kind = "AttachmentIsPasswordProtected" },
                    new RulePredicate { Kind = "MessageTypeIs", Values = ["Encrypted", "AutoForward"] },
                    new RulePredicate { Kind = "SpfResultIs", Values = ["fail", "softfail"] },
                    new RulePredicate { Kind = "CharsetIs", Values = ["koi8-r"] },
                ],
                Exceptions = [new RulePredicate { Kind = "ImportanceIs", Values = ["High"] }],
                Actions =
                [
                    new RuleAction { Kind = "BccTo", Arguments = { ["Addresses"] = "audit@contoso.test" } },
                    new RuleAction { Kind = "GenerateIncidentReport", Arguments = { ["Addresses"] = "compliance@contoso.test" } },
                    new RuleAction { Kind = "ModerateWith", Arguments = { ["Addresses"] = "legal@contoso.test", ["ExpiryDays"] = "3" } },
                ],
            },
        });
        await AdminSignIn.CreateAccountAsync(server.Services, "cora", "cora's long catalog password", AdminRoles.OrganizationManagement);
        await AdminSignIn.SignInAsync(Page, server.BaseUrl, "cora", "cora's long catalog password", $"/mail-flow/rules/{rule.Id}");
        await Page.Locator("#rule-editor-page[data-interactive=true]").WaitForAsync();

        await Expect(Page.Locator("#rule-summary")).ToHaveTextAsync(
            "If any attachment is password-protected and the message type is encrypted (S/MIME or PGP) or automatically forwarded and the SPF result is fail or softfail (SPF) "
            + "and the message's character set is 'koi8-r', send a blind copy (Bcc) to 'audit@contoso.test' and generate an incident report and send it to 'compliance@contoso.test' "
            + "and forward the message for approval to 'legal@contoso.test', except if the message importance is high.");
        await Expect(Page.Locator("[data-testid=conditions] [data-testid=choice-input]")).ToHaveCountAsync(2);
        await Expect(Page.Locator("[data-testid=charsets-input] [data-testid=value-chip]")).ToHaveTextAsync("koi8-r");
        await Expect(Page.Locator("[data-testid=predicate-error]")).ToHaveCountAsync(0);
        await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("32-rule-editor-fuller-catalog.png"), FullPage = true });
    }

    [Fact]
    public async Task JournalRulesPage_AddsARuleThroughTheDialog_AndListsIt()
    {
        await AdminSignIn.CreateAccountAsync(server.Services, "jules", "jules's long journal password", AdminRoles.OrganizationManagement);
        await AdminSignIn.SignInAsync(Page, server.BaseUrl, "jules", "jules's long journal password", "/mail-flow/journal-rules");
        await Page.Locator("#journal-rules-page[data-interactive=true]").WaitForAsync();
        await Expect(Page.Locator("#journal-rules-empty")).ToBeVisibleAsync();

        await Page.ClickAsync("#add-journal-rule");
        await Page.FillAsync("#journal-rule-name-input", "Everything to the archive");
        await Page.FillAsync("#journal-rule-address-input", "not an address");
        await Expect(Page.Locator("[data-testid=journal-rule-address-field] .mud-input-error")).ToBeVisibleAsync();
        await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("33-journal-rule-dialog-error.png") });
        await Page.FillAsync("#journal-rule-address-input", "vault@archive.example");
        await Page.FillAsync("#journal-rule-alternate-input", "postmaster@contoso.test");
        await Page.ClickAsync("#journal-rule-save");

        await Expect(Page.Locator("[data-testid=journal-rule-name]")).ToHaveTextAsync("Everything to the archive");
        await Expect(Page.Locator("[data-testid=journal-rule-address]")).ToHaveTextAsync("vault@archive.example");
        await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("34-journal-rules.png"), FullPage = true });
    }
}
