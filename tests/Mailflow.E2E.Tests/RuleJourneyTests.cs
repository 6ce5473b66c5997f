using System.Text.RegularExpressions;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Mailflow.TestSupport;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>
/// An admin builds a mail flow rule in the browser's rule editor by clicking through conditions and
/// actions ("if the sender is outside the organization and the subject contains 'invoice', prepend
/// '[EXTERNAL] '"), reads it back in plain language, saves it, and a message sent over SMTP arrives at
/// the mailbox server with the prefixed subject; the rules list counts the hit. Then the admin drags the
/// rule below another one and the new order is stored as one configuration generation.
/// </summary>
public sealed class RuleJourneyTests(MailflowSmtpServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : BrowserJourney(output), IClassFixture<MailflowSmtpServerFixture>
{
    private const string AdminName = "rita";
    private const string AdminPassword = "rita's long rule password";
    private const string RuleName = "Tag external invoices";
    private const string ExpectedSummary = "If the sender is located outside the organization and the subject includes 'invoice', prepend the subject with '[EXTERNAL] '.";

    [Fact]
    public async Task PrependSubjectRule_WhenBuiltInTheEditor_TagsTheDeliveredMessageAndCountsTheHit()
    {
        // The mailbox's own server is a loopback SMTP server this test reads.
        var mailboxServer = LoopbackSmtpServer.Start();
        await using (mailboxServer)
        {
            try
            {
                await WalkAsync(mailboxServer);
            }
            catch
            {
                await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("failure-rule-journey.png"), FullPage = true });
                Output.WriteLine($"Failed at {Page.Url}:\n{await Page.ContentAsync()}");
                throw;
            }
        }
    }

    private async Task WalkAsync(LoopbackSmtpServer mailboxServer)
    {
        await server.Get<RecipientService>().CreateAsync(AdminActor.System, new Recipient
        {
            Kind = RecipientKind.Mailbox,
            DisplayName = "Ana",
            PrimaryAddress = "ana@contoso.test",
            DeliveryKind = MailboxDeliveryKind.Smtp,
            DeliveryTarget = $"127.0.0.1:{mailboxServer.Port}",
        });
        await AdminSignIn.CreateAccountAsync(server.Services, AdminName, AdminPassword, AdminRoles.OrganizationManagement);
        await AdminSignIn.SignInAsync(Page, server.BaseUrl, AdminName, AdminPassword, "/mail-flow/rules");

        // No rules yet: the list explains, and New rule opens the editor.
        await Page.Locator("#rules-page[data-interactive=true]").WaitForAsync();
        await Expect(Page.Locator("#rules-empty")).ToBeVisibleAsync();
        await Page.ClickAsync("#add-rule");
        await Page.Locator("#rule-editor-page[data-interactive=true]").WaitForAsync();
        await Expect(Page.Locator("#page-title")).ToHaveTextAsync("New mail flow rule");
        await Page.FillAsync("#rule-name-input", RuleName);

        // Condition 1: the sender is located outside the organization (the scope a new location condition starts with).
        await Page.ClickAsync("[data-testid=conditions] [data-testid=predicate-add]");
        var first = Page.Locator("[data-testid=conditions] [data-testid=predicate]").Nth(0);
        await ChooseAsync(first.Locator("[data-testid=predicate-kind]"), "the sender is located");
        // The second select of the condition is its scope (MudSelect does not pass data-testid through).
        await Expect(first.Locator("[role=combobox]").Nth(1)).ToHaveTextAsync("Outside the organization");

        // Condition 2: the subject includes 'invoice' (typed, then Enter adds it as a chip).
        await Page.ClickAsync("[data-testid=conditions] [data-testid=predicate-add]");
        var second = Page.Locator("[data-testid=conditions] [data-testid=predicate]").Nth(1);
        await ChooseAsync(second.Locator("[data-testid=predicate-kind]"), "the subject includes any of these words");
        var word = second.Locator("[data-testid=words-input] input[data-testid=value-input]");
        await word.FillAsync("invoice");
        await word.PressAsync("Enter");
        await Expect(second.Locator("[data-testid=value-chip]")).ToHaveTextAsync(["invoice"]);

        // Action: prepend the subject.
        await Page.ClickAsync("[data-testid=action-add]");
        var action = Page.Locator("[data-testid=actions] [data-testid=action]").Nth(0);
        await ChooseAsync(action.Locator("[data-testid=action-kind]"), "prepend the subject with");
        await action.Locator("[data-testid=argument-Text] input").FillAsync("[EXTERNAL] ");

        // The rule in plain language, before it is saved.
        await Expect(Page.Locator("#rule-summary")).ToHaveTextAsync(ExpectedSummary);
        await Expect(Page.Locator("[data-testid=predicate-error], [data-testid=action-error]")).ToHaveCountAsync(0);
        await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("30-rule-editor-external-invoices.png"), FullPage = true });
        await Page.ClickAsync("#rule-save");

        // Back on the list: the rule, its summary, no hits yet.
        await Expect(Page).ToHaveURLAsync(new Regex("/mail-flow/rules$"));
        await Page.Locator("#rules-page[data-interactive=true]").WaitForAsync();
        var row = RuleRow(RuleName);
        await Expect(row.Locator("[data-testid=rule-summary]")).ToHaveTextAsync(ExpectedSummary);
        await Expect(row.Locator("[data-testid=rule-hits]")).ToContainTextAsync("0 / 0");

        // Mail from outside to the mailbox, once the engine runs the generation with the rule.
        await server.WaitForLatestGenerationAsync();
        using (var client = new SmtpClient { Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", server.PortOf("Default Frontend"), SecureSocketOptions.None);
            await client.SendAsync(new MimeMessage
            {
                From = { MailboxAddress.Parse("billing@fabrikam.test") },
                To = { MailboxAddress.Parse("ana@contoso.test") },
                Subject = "Your invoice 42",
                Body = new TextPart("plain") { Text = "Please find the invoice attached." },
            });
            await client.DisconnectAsync(true);
        }

        var delivered = Assert.Single(await mailboxServer.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Equal(["ana@contoso.test"], delivered.Recipients);
        using (var content = new MemoryStream(delivered.Data))
            Assert.Equal("[EXTERNAL] Your invoice 42", (await MimeMessage.LoadAsync(content)).Subject);

        // The categorizer counts the hit before the message is queued for delivery, so a reload shows it.
        await Page.ReloadAsync();
        await Page.Locator("#rules-page[data-interactive=true]").WaitForAsync();
        await Expect(RuleRow(RuleName).Locator("[data-testid=rule-hits]")).ToContainTextAsync("1 / 0");
        await Expect(RuleRow(RuleName).Locator("[data-testid=rule-priority]")).ToHaveTextAsync("0");
        await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("31-rules-hit-counted.png"), FullPage = true });

        await DragBelowAnotherRuleAsync();
    }

    /// <summary>Drag and drop in the rules list: the dragged rule lands after the row it is dropped on, saved as one generation.</summary>
    private async Task DragBelowAnotherRuleAsync()
    {
        const string Other = "Mark large messages";
        await server.Get<TransportRuleService>().CreateAsync(AdminActor.System, new TransportRule
        {
            Name = Other,
            Priority = -1,
            Definition =
            {
                Conditions = [new RulePredicate { Kind = "MessageSizeOver", Values = ["10485760"] }],
                Actions = [new RuleAction { Kind = "SetHeader", Arguments = { ["Name"] = "X-Large", ["Value"] = "yes" } }],
            },
        });
        await Page.ReloadAsync();
        await Page.Locator("#rules-page[data-interactive=true]").WaitForAsync();
        await Expect(Page.Locator("#rules [data-testid=rule-name]")).ToHaveTextAsync([RuleName, Other]);
        var generationBefore = await LatestGenerationAsync();

        await RuleRow(RuleName).DragToAsync(RuleRow(Other));

        await Expect(Page.Locator("#rules [data-testid=rule-name]")).ToHaveTextAsync([Other, RuleName]);
        await Expect(Page.Locator(".mud-snackbar")).ToContainTextAsync($"{RuleName} moved to priority 1");
        Assert.Equal([Other, RuleName], (await server.Get<TransportRuleService>().ListAsync()).Select(r => r.Name));
        Assert.Equal(generationBefore + 1, await LatestGenerationAsync());
        await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("32-rules-reordered-by-drag.png"), FullPage = true });
    }

    private ILocator RuleRow(string name) => Page.Locator($"#rules [data-testid=rule-row][data-rule='{name}']");

    /// <summary>Opens a MudSelect (it opens on mouse down) and picks the item with exactly this text from its popover.</summary>
    private async Task ChooseAsync(ILocator select, string itemText)
    {
        await select.Locator("[role=combobox]").ClickAsync();
        await Page.Locator(".mud-popover-open .mud-list-item")
            .Filter(new() { HasTextRegex = new Regex($"^\\s*{Regex.Escape(itemText)}\\s*$") })
            .ClickAsync();
        await Expect(Page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
    }

    private async Task<long> LatestGenerationAsync()
    {
        await using var db = await server.Get<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        return await db.ConfigurationGenerations.MaxAsync(g => g.Number);
    }
}
