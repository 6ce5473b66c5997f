using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Identity;
using Mailflow.Security;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>
/// Protection › Rate limits and Protection › Quarantine in a real browser with realistic data: a sender
/// blocked by the rate limit is named on the overview and unblocked with one click, a throttled client address is listed with its
/// times; a message held by a mail flow rule is listed with why, previewed in the queue viewer's dialog
/// and released to one recipient, then to the other. Screenshots under test-artifacts/screenshots/protection.
/// </summary>
public sealed class ProtectionPagesJourneyTests(MailflowSmtpServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : BrowserJourney(output), IClassFixture<MailflowSmtpServerFixture>
{
    private const string Password = "protection journey password 1";

    private static string Shot(string name) => Path.Combine(Browser.ScreenshotDirectory("protection"), name);

    [Fact]
    public async Task BlockedSenderIsUnblocked_ThrottledKeysShow_HeldMessageIsPreviewedAndReleased()
    {
        await server.Get<RecipientService>().CreateAsync(AdminActor.System, new Recipient { Kind = RecipientKind.Mailbox, DisplayName = "Alice", PrimaryAddress = "alice@contoso.test" });
        await server.Get<RecipientService>().CreateAsync(AdminActor.System, new Recipient { Kind = RecipientKind.Mailbox, DisplayName = "Carol", PrimaryAddress = "carol@contoso.test" });
        await server.Get<TransportRuleService>().CreateAsync(AdminActor.System, new TransportRule
        {
            Name = "Hold invoices from outside",
            Definition = new RuleDefinition
            {
                Conditions = [new RulePredicate { Kind = "SubjectContainsWords", Values = ["invoice"] }],
                Actions = [new RuleAction { Kind = "Quarantine" }],
            },
        });
        await server.WaitForLatestGenerationAsync();
        using (var client = new SmtpClient { Timeout = 30_000 })
        {
            await client.ConnectAsync("127.0.0.1", server.PortOf("Default Frontend"), SecureSocketOptions.None);
            await client.SendAsync(new MimeMessage
            {
                From = { MailboxAddress.Parse("billing@fabrikam.test") },
                To = { MailboxAddress.Parse("alice@contoso.test"), MailboxAddress.Parse("carol@contoso.test") },
                Subject = "Invoice 2026-114 overdue",
                Body = new TextPart("plain") { Text = "Please pay the attached invoice." },
            });
            await client.DisconnectAsync(true);
        }
        await server.Get<BlockedSenderService>().BlockAsync("bob@contoso.test", "Recipients per sender per hour: 500");
        var counters = server.Get<RateLimitCounters>();
        // A day's limit, so the key is still throttled when the page opens (a minute's refills within seconds).
        for (var i = 0; i < 30; i++)
            counters.TryTake(RateLimitKind.SenderRecipientsPerDay, 30, "mallory@contoso.test");
        counters.TryTake(RateLimitKind.ConnectionsPerIp, 60, "2001:db8:7::/64");
        counters.TryTake(RateLimitKind.SenderMessagesPerDay, 1000, "carol@contoso.test");

        await AdminSignIn.CreateAccountAsync(server.Services, "olivia", Password, AdminRoles.OrganizationManagement);
        // The overview names the blocked user and leads to its unblock.
        await AdminSignIn.SignInAsync(Page, server.BaseUrl, "olivia", Password, "/");
        var alert = Page.Locator("#dashboard-blocked-senders li[data-sender='bob@contoso.test']");
        await Expect(alert).ToContainTextAsync("Recipients per sender per hour: 500");
        await Page.ScreenshotAsync(new() { Path = Shot("overview-blocked-sender.png") });
        await alert.Locator("a.unblock-link").ClickAsync();
        await Page.Locator("#rate-limits-page[data-interactive=true]").WaitForAsync();
        await Expect(Page.Locator("tr.blocked-sender.mud-selected-item[data-sender='bob@contoso.test']")).ToBeVisibleAsync();
        var throttled = Page.Locator("tr.rate-counter.throttled[data-key='mallory@contoso.test']");
        await Expect(throttled).ToContainTextAsync("30 of 30");
        await Expect(throttled).ToContainTextAsync("Throttled");
        await Expect(Page.Locator("tr.blocked-sender[data-sender='bob@contoso.test']")).ToContainTextAsync("Recipients per sender per hour: 500");
        await Page.ScreenshotAsync(new() { Path = Shot("rate-limits.png"), FullPage = true });

        await Page.Locator("tr.blocked-sender[data-sender='bob@contoso.test'] button.unblock").ClickAsync();
        await Expect(Page.Locator("#no-blocked-senders")).ToBeVisibleAsync();
        Assert.Empty(await server.Get<BlockedSenderService>().ListAsync());

        await Page.GotoAsync(server.BaseUrl + "/protection/quarantine");
        await Page.Locator("#quarantine-page[data-interactive=true]").WaitForAsync();
        var held = Page.Locator("tr.quarantined");
        await Expect(held).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Expect(held).ToContainTextAsync("Mail flow rule");
        await Expect(held).ToContainTextAsync("Held by mail flow rule 'Hold invoices from outside'");
        await Page.ScreenshotAsync(new() { Path = Shot("quarantine.png"), FullPage = true });

        var actions = Page.Locator("tr.quarantine-actions");
        await actions.Locator("button.details").ClickAsync();
        await Page.GetByRole(AriaRole.Tab, new() { Name = "Headers and body" }).ClickAsync();
        await Expect(Page.Locator("#preview-text")).ToContainTextAsync("Please pay the attached invoice.");
        await Page.ScreenshotAsync(new() { Path = Shot("quarantine-preview.png") });
        await Page.Locator("#details-close").ClickAsync();

        // Released to Alice only: Carol's copy stays held.
        await actions.Locator("button.release-some").ClickAsync();
        await Page.Locator(".release-recipients [data-recipient='alice@contoso.test'] label").ClickAsync();
        await Expect(Page.Locator(".release-recipients button.release-chosen")).ToHaveTextAsync("Release to 1");
        await Page.ScreenshotAsync(new() { Path = Shot("quarantine-release-to-some.png"), FullPage = true });
        await Page.Locator(".release-recipients button.release-chosen").ClickAsync();
        await Expect(Page.Locator(".release-recipients")).ToHaveCountAsync(0);
        await Expect(held).ToHaveCountAsync(1);
        await Expect(held).ToContainTextAsync("carol@contoso.test");
        await Expect(held).Not.ToContainTextAsync("alice@contoso.test");
        await Expect(Page.Locator("button.release-some")).ToHaveCountAsync(0);
        await Page.ScreenshotAsync(new() { Path = Shot("quarantine-still-held.png"), FullPage = true });

        await actions.Locator("button.release").ClickAsync();
        await Expect(Page.Locator("#quarantine-empty")).ToBeVisibleAsync();
    }
}
