using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>
/// An admin looks at the mailboxes' sizes on the recipients page (green, amber when nearly full, red
/// when full) and gives a mailbox a quota of its own in the recipient dialog. Screenshot for review.
/// </summary>
public sealed class MailboxQuotaJourneyTests(SmtpMailflowServerFixture server) : IClassFixture<SmtpMailflowServerFixture>, IAsyncLifetime
{
    private const string Password = "a long password for mailbox quotas";
    private const long Megabyte = 1024 * 1024;
    private IPlaywright _playwright = default!;
    private IBrowser _browser = default!;
    private IPage _page = default!;

    public async Task InitializeAsync()
    {
        (_playwright, _browser) = await Browser.LaunchAsync();
        _page = await _browser.NewPageAsync(new BrowserNewPageOptions { BypassCSP = true, ViewportSize = new ViewportSize { Width = 1400, Height = 900 } });
    }

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    private async Task MailboxAsync(string name, long quota, long used, string? maildir = null)
    {
        var address = $"{name}@mailflow.local";
        maildir ??= Path.Combine("maildir", address);
        await server.Services.GetRequiredService<RecipientService>().CreateAsync(AdminActor.System,
            new Recipient { Kind = RecipientKind.Mailbox, DisplayName = char.ToUpperInvariant(name[0]) + name[1..], PrimaryAddress = address, QuotaBytes = quota, DeliveryTarget = maildir });
        var folder = server.Services.GetRequiredService<MaildirLocation>().Resolve(maildir, out var error) ?? throw new InvalidOperationException(error);
        Directory.CreateDirectory(Path.Combine(folder, "cur"));
        await File.WriteAllBytesAsync(Path.Combine(folder, "cur", "1700000000.M1P1.old:2,S"), new byte[used]);
    }

    [Fact]
    public async Task Mailbox_sizes_show_as_bars_and_a_quota_is_set_in_the_dialog()
    {
        await MailboxAsync("quota-anna", 100 * Megabyte, 12 * Megabyte);
        await MailboxAsync("quota-bruno", 10 * Megabyte, 9 * Megabyte + 600 * 1024);
        await MailboxAsync("quota-chloe", 5 * Megabyte, 5 * Megabyte);
        await MailboxAsync("quota-dmitri", 100 * Megabyte, Megabyte,
            maildir: "maildir/departments/finance-and-accounting/quarterly-close-2026/accounts-payable-shared/quota-dmitri@mailflow.local");
        await AdminSignIn.CreateAccountAsync(server.Services, "quotas", Password, AdminRoles.OrganizationManagement);
        await AdminSignIn.SignInAsync(_page, server.BaseUrl, "quotas", Password, "/recipients");

        await Expect(_page.Locator("#recipients-page[data-interactive=true]")).ToBeVisibleAsync();
        await _page.FillAsync("#recipient-search", "quota-");
        var rows = _page.Locator("[data-testid=recipient-usage] [data-testid=mailbox-usage]");
        await Expect(rows).ToHaveCountAsync(4, new() { Timeout = 30_000 });
        Assert.Equal(["ok", "warning", "full", "ok"], await rows.EvaluateAllAsync<string[]>("els => els.map(e => e.dataset.state)"));
        await Expect(rows.Nth(2)).ToContainTextAsync("5 MB of 5 MB (100 %): full");
        // An address is read as one piece: the column is wide enough that none breaks mid-word.
        var addressLines = await _page.Locator("[data-testid=recipient-address]").EvaluateAllAsync<int[]>(
            "cells => cells.map(c => { const r = document.createRange(); r.selectNodeContents(c.firstChild); return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; })");
        Assert.All(addressLines, lines => Assert.Equal(1, lines));
        // A long Maildir path wraps after its separators, never inside a folder name: each piece of the details
        // text (a text node of its own) sits on one line, and the long path does need more than one line here.
        var detailPieces = await _page.Locator("[data-testid=recipient-details]").EvaluateAllAsync<int[][]>(
            "cells => cells.map(c => [...c.childNodes].filter(n => n.nodeType === 3 && n.textContent.trim()).map(n => { const r = document.createRange(); r.selectNodeContents(n); return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }))");
        Assert.All(detailPieces.SelectMany(p => p), lines => Assert.Equal(1, lines));
        var longPathLines = await _page.Locator("[data-testid=recipient-details]", new() { HasTextString = "accounts-payable-shared" }).EvaluateAsync<int>(
            "c => { const r = document.createRange(); r.selectNodeContents(c); return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; }");
        Assert.True(longPathLines > 1, $"the long Maildir path fits on {longPathLines} line: widen the test's path so the wrapping is tested");
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("72-recipients-mailbox-sizes.png") });

        await _page.ClickAsync("[data-testid='edit-quota-chloe@mailflow.local']");
        await _page.FillAsync("#recipient-quota", "50");
        await _page.ClickAsync("#recipient-save");
        await Expect(rows.Nth(2)).ToContainTextAsync("5 MB of 50 MB (10 %)", new() { Timeout = 30_000 });
        var chloe = (await server.Services.GetRequiredService<RecipientService>().ListAsync()).Single(r => r.PrimaryAddress == "quota-chloe@mailflow.local");
        Assert.Equal(50 * Megabyte, chloe.QuotaBytes);
    }
}
