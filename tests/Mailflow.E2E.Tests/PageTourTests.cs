using Mailflow.Configuration;
using Mailflow.Identity;
using Mailflow.TestSupport;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>
/// Every main page of the admin center, with data behind it (a message stuck in a queue, a rule), at
/// 1280×800 in the light and the dark theme and in a 400 px wide window. Each page must render its
/// heading without the Blazor error bar or browser console errors, and the narrow window must not
/// scroll sideways. The screenshots are the artifacts a reviewer looks at. Also: the accepted-domain
/// dialog works from the keyboard alone.
/// </summary>
public sealed class PageTourTests(MailflowSmtpServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : IClassFixture<MailflowSmtpServerFixture>, IAsyncLifetime
{
    private const string AdminName = "tess";
    private const string AdminPassword = "tess's long tour password";
    private const string RuleName = "Tag external invoices";
    private const string TempFailure = "451 4.3.0 Mailbox server is busy, try later";

    /// <summary>Sideways scrolling smaller than this is rounding, not layout.</summary>
    private const int OverflowTolerancePixels = 1;

    private static readonly Variant[] Variants =
    [
        new("light", 1280, 800, ColorScheme.Light),
        new("dark", 1280, 800, ColorScheme.Dark),
        new("narrow", 400, 800, ColorScheme.Light),
    ];

    private readonly List<string> _consoleErrors = [];
    private IPlaywright _playwright = default!;
    private IBrowser _browser = default!;
    private string? _queueId;

    private sealed record Variant(string Name, int Width, int Height, ColorScheme Scheme)
    {
        public bool Narrow => Width < 600;
    }

    /// <summary>One page (or dialog) of the tour: how to get there and the heading it must show.</summary>
    private sealed record Stop(string Name, string Heading, Func<IPage, Task> OpenAsync, string HeadingSelector = "#page-title");

    public async Task InitializeAsync() => (_playwright, _browser) = await Browser.LaunchAsync();

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task EveryMainPage_WhenVisitedLightDarkAndNarrow_RendersItsHeadingWithoutErrorsOrSidewaysScrolling()
    {
        var mailboxServer = LoopbackSmtpServer.Start(new LoopbackSmtpScript { RcptReply = (_, _) => TempFailure });
        await using (mailboxServer)
        {
            var rule = await SeedAsync(mailboxServer);
            var storageState = await SignInOnceAsync();
            var directory = Browser.ScreenshotDirectory("pages");
            foreach (var stale in Directory.GetFiles(directory, "*.png"))
                File.Delete(stale);
            output.WriteLine($"Page screenshots: {directory}");

            foreach (var variant in Variants)
            {
                await using var context = await _browser.NewContextAsync(new BrowserNewContextOptions
                {
                    // The server's CSP forbids eval; Playwright's string predicates need it (test-side only).
                    BypassCSP = true,
                    ViewportSize = new ViewportSize { Width = variant.Width, Height = variant.Height },
                    ColorScheme = variant.Scheme,
                    StorageState = storageState,
                });
                var page = await context.NewPageAsync();
                page.SetDefaultTimeout(30_000);
                page.Console += (_, message) =>
                {
                    if (message.Type == "error")
                        _consoleErrors.Add($"{page.Url}: {message.Text}");
                };
                page.PageError += (_, error) => _consoleErrors.Add($"{page.Url}: uncaught {error}");

                var number = 0;
                foreach (var stop in Stops(rule))
                {
                    number++;
                    var screenshot = Path.Combine(directory, $"{variant.Name}-{number:00}-{stop.Name}.png");
                    try
                    {
                        await VisitAsync(page, variant, stop, screenshot);
                    }
                    catch
                    {
                        await page.ScreenshotAsync(new() { Path = Path.Combine(directory, $"failure-{variant.Name}-{stop.Name}.png"), FullPage = true });
                        output.WriteLine($"Failed at {stop.Name} ({variant.Name}), {page.Url}:\n{await page.ContentAsync()}");
                        throw;
                    }
                }
            }
        }
    }

    [Fact]
    public async Task AcceptedDomainDialog_WhenUsedWithTheKeyboardOnly_TabsThroughItsFieldsEscapeCancelsAndEnterSaves()
    {
        await AdminSignIn.CreateAccountAsync(server.Services, "kim", AdminPassword, AdminRoles.OrganizationManagement);
        await using var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BypassCSP = true, ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(30_000);
        try
        {
            await AdminSignIn.SignInAsync(page, server.BaseUrl, "kim", AdminPassword, "/mail-flow/accepted-domains");
            await page.Locator("#accepted-domains-page[data-interactive=true]").WaitForAsync();
            var domains = page.Locator("#accepted-domains [data-testid=domain-name]");
            var before = await domains.AllInnerTextsAsync();

            // The dialog opens with the caret in the domain name; Tab walks the fields in reading order, then the buttons.
            await page.ClickAsync("#add-domain");
            await Expect(page.Locator("#domain-name-input")).ToBeFocusedAsync();
            await page.Keyboard.TypeAsync("keyboard.test");
            await page.Keyboard.PressAsync("Tab");
            await Expect(page.Locator("[data-testid=domain-type-field] [role=combobox]")).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Tab");
            await Expect(page.Locator("[data-testid=domain-match-subdomains-field] input[type=checkbox]")).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Space");
            await Expect(page.Locator("[data-testid=domain-match-subdomains-field] input[type=checkbox]")).ToBeCheckedAsync();
            await page.Keyboard.PressAsync("Tab");
            await Expect(page.Locator("[data-testid=domain-default-field] input[type=checkbox]")).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Tab");
            await Expect(page.Locator("#domain-cancel")).ToBeFocusedAsync();
            await page.Keyboard.PressAsync("Tab");
            await Expect(page.Locator("#domain-save")).ToBeFocusedAsync();
            await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("40-accepted-domain-dialog-keyboard.png") });

            // Escape closes the dialog and saves nothing.
            await page.Keyboard.PressAsync("Escape");
            await Expect(page.Locator("#domain-name-input")).ToHaveCountAsync(0);
            await Expect(domains).ToHaveTextAsync([.. before]);

            // Enter in the domain name saves, like submitting a form.
            await page.ClickAsync("#add-domain");
            await Expect(page.Locator("#domain-name-input")).ToBeFocusedAsync();
            await page.Keyboard.TypeAsync("keyboard.test");
            await page.Keyboard.PressAsync("Enter");
            await Expect(page.Locator("#domain-name-input")).ToHaveCountAsync(0);
            await Expect(page.Locator(".mud-snackbar")).ToContainTextAsync("keyboard.test is now an accepted domain");
            await Expect(domains).ToContainTextAsync(["keyboard.test"]);
            Assert.NotNull((await server.Get<AcceptedDomainService>().ListAsync()).SingleOrDefault(d => d.DomainName == "keyboard.test"));
        }
        catch
        {
            await page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("failure-keyboard-dialog.png"), FullPage = true });
            output.WriteLine($"Focused: {await page.EvaluateAsync<string>("document.activeElement?.outerHTML.slice(0, 400)")}");
            output.WriteLine($"Failed at {page.Url}:\n{await page.ContentAsync()}");
            throw;
        }
    }

    /// <summary>The stops in the order of the navigation menu; the queue, message and trace stops follow the stuck message.</summary>
    private IEnumerable<Stop> Stops(TransportRule rule)
    {
        yield return Open("dashboard", "/", "#dashboard-page", "Overview");
        yield return Open("receive-connectors", "/mail-flow/receive-connectors", "#receive-connectors-page", "Receive connectors");
        yield return Open("send-connectors", "/mail-flow/send-connectors", "#send-connectors-page", "Send connectors");
        yield return Open("accepted-domains", "/mail-flow/accepted-domains", "#accepted-domains-page", "Accepted domains");
        yield return Open("rules", "/mail-flow/rules", "#rules-page", "Mail flow rules");
        yield return Open("rule-editor", $"/mail-flow/rules/{rule.Id}", "#rule-editor-page", $"Edit {rule.Name}");
        yield return Open("test-mail-flow", "/mail-flow/test", "#test-mail-flow-page", "Test mail flow");
        yield return Open("transport-agents", "/mail-flow/transport-agents", "#transport-agents-page", "Transport agents");
        yield return Open("dmarc-reports", "/protection/dmarc-reports", "#dmarc-reports-page", "DMARC reports");
        yield return Open("recipients", "/recipients", "#recipients-page", "Recipients");
        yield return new Stop("queues", "Queues", async page =>
        {
            await GoAsync(page, "/queues", "#queues-page");
            await Expect(page.Locator("#queue-list [data-testid=queue-last-error]")).ToContainTextAsync("451 4.3.0", new() { Timeout = 60_000 });
        });
        yield return new Stop("queue-messages", "Queues", async page =>
        {
            await page.Locator("#queue-list [data-testid=queue-next-hop]").First.ClickAsync();
            await Expect(page.Locator("#messages-title")).ToContainTextAsync("Messages in ");
            await Expect(page.Locator("#queued-messages [data-testid=message-queue-id]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
            _queueId = (await page.Locator("#queued-messages [data-testid=message-queue-id]").InnerTextAsync()).Trim();
        });
        yield return new Stop("message-details", "Message ", async page =>
        {
            await page.Locator("#queued-messages [data-testid=message-queue-id]").ClickAsync();
            await Expect(page.Locator("[data-testid=details-recipient-reply]")).ToContainTextAsync("451 4.3.0");
        }, HeadingSelector: ".mud-dialog .mud-dialog-title");
        yield return new Stop("message-trace", "Message trace", async page =>
        {
            await GoAsync(page, "/message-trace?id=" + Uri.EscapeDataString(_queueId!), "#message-trace-page");
            await Expect(page.Locator("[data-testid=tracking-timeline] [data-testid=timeline-event][data-kind=Defer]").First).ToContainTextAsync("451");
        });
        yield return Open("protocol-logs", "/protocol-logs", "#protocol-logs-page", "Protocol logs");
        yield return Open("audit-log", "/audit-log", "#audit-log-page", "Audit log");
        yield return Open("configuration-history", "/configuration-history", "#history-page", "Configuration history");
        yield return Open("configuration-doctor", "/configuration-doctor", "#doctor-page", "Configuration doctor");
        yield return Open("admin-accounts", "/admin-accounts", "#admin-accounts-page", "Admin accounts");
        yield return Open("organization-settings", "/settings", "#organization-settings-page", "Organization settings");
        yield return Open("tls-certificates", "/settings/tls-certificates", "#tls-certificates-page", "TLS certificates");
        yield return Open("configuration-file", "/settings/configuration-file", "#configuration-file-page", "Configuration file");
        yield return Open("api", "/api-reference", "#api-page", "API");
    }

    private Stop Open(string name, string path, string root, string heading) => new(name, heading, page => GoAsync(page, path, root));

    private async Task GoAsync(IPage page, string path, string root)
    {
        await page.GotoAsync(server.BaseUrl + path);
        await page.Locator($"{root}[data-interactive=true]").WaitForAsync(new() { Timeout = 20_000 });
    }

    private async Task VisitAsync(IPage page, Variant variant, Stop stop, string screenshot)
    {
        _consoleErrors.Clear();
        await stop.OpenAsync(page);

        // Loaded: the heading is there and no list is still loading.
        await Expect(page.Locator(stop.HeadingSelector)).ToContainTextAsync(stop.Heading);
        await Expect(page.Locator(".mud-progress-linear")).ToHaveCountAsync(0);
        await Expect(page.Locator("#blazor-error-ui")).ToBeHiddenAsync();

        // The layout asks the browser for its colour scheme once the circuit is up, so the dark theme follows a moment later.
        var dark = variant.Scheme == ColorScheme.Dark;
        try
        {
            await page.WaitForFunctionAsync(
                "dark => { const c = getComputedStyle(document.body).backgroundColor.match(/\\d+(\\.\\d+)?/g); return !!c && ((+c[0] + +c[1] + +c[2]) / 3 < 128) === dark; }",
                dark, new() { Timeout = 15_000 });
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{stop.Name} ({variant.Name}): expected a {(dark ? "dark" : "light")} page, background is {await page.EvaluateAsync<string>("getComputedStyle(document.body).backgroundColor")}");
        }

        if (variant.Narrow)
        {
            var widths = await page.EvaluateAsync<int[]>("[document.scrollingElement.scrollWidth, window.innerWidth]");
            Assert.True(widths[0] <= widths[1] + OverflowTolerancePixels,
                $"{stop.Name} scrolls sideways at {variant.Width} px: content {widths[0]} px wide. Widest elements: {await WidestElementsAsync(page)}");
            // A dialog clips what does not fit, so the page cannot scroll: its buttons must lie inside it.
            var outside = await page.EvaluateAsync<string[]>("""
                tolerance => [...document.querySelectorAll('.mud-dialog')].flatMap(dialog => {
                    const box = dialog.getBoundingClientRect();
                    return [...dialog.querySelectorAll('.mud-dialog-actions > *')]
                        .filter(e => { const r = e.getBoundingClientRect(); return r.left < box.left - tolerance || r.right > box.right + tolerance; })
                        .map(e => e.textContent.trim());
                })
                """, OverflowTolerancePixels);
            Assert.True(outside.Length == 0, $"{stop.Name} at {variant.Width} px: dialog buttons outside the dialog: {string.Join(", ", outside)}");
        }

        // A dialog stays where the window is; a full-page picture would show it over the top of the page only.
        var dialog = stop.HeadingSelector.Contains(".mud-dialog", StringComparison.Ordinal);
        await page.ScreenshotAsync(new() { Path = screenshot, FullPage = !dialog });
        Assert.True(_consoleErrors.Count == 0, $"{stop.Name} ({variant.Name}) logged browser errors:\n{string.Join("\n", _consoleErrors)}");
    }

    /// <summary>For the failure message: the page elements that stick out past the window on the right.</summary>
    private static Task<string> WidestElementsAsync(IPage page) => page.EvaluateAsync<string>("""
        () => [...document.querySelectorAll('.mud-main-content *')]
            .map(e => ({ e, right: e.getBoundingClientRect().right }))
            .filter(x => x.right > window.innerWidth + 1)
            .sort((a, b) => b.right - a.right)
            .slice(0, 5)
            .map(x => `${x.e.tagName.toLowerCase()}${x.e.id ? '#' + x.e.id : ''}.${[...x.e.classList].join('.')} (right ${Math.round(x.right)})`)
            .join('; ')
        """);

    /// <summary>A mailbox whose server keeps answering 451, a message stuck on its way there, and a rule.</summary>
    private async Task<TransportRule> SeedAsync(LoopbackSmtpServer mailboxServer)
    {
        await server.Get<RecipientService>().CreateAsync(AdminActor.System, new Recipient
        {
            Kind = RecipientKind.Mailbox,
            DisplayName = "Dora",
            PrimaryAddress = "dora@contoso.test",
            DeliveryKind = MailboxDeliveryKind.Smtp,
            DeliveryTarget = $"127.0.0.1:{mailboxServer.Port}",
        });
        var rule = await server.Get<TransportRuleService>().CreateAsync(AdminActor.System, new TransportRule
        {
            Name = RuleName,
            Definition =
            {
                Conditions =
                [
                    new RulePredicate { Kind = "SenderScope", Values = ["NotInOrganization"] },
                    new RulePredicate { Kind = "SubjectContainsWords", Values = ["invoice"] },
                ],
                Actions = [new RuleAction { Kind = "PrependSubject", Arguments = { ["Text"] = "[EXTERNAL] " } }],
            },
        });
        await server.WaitForLatestGenerationAsync();
        await SeedDmarcReportsAsync();

        using var client = new SmtpClient { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", server.PortOf("Default Frontend"), SecureSocketOptions.None);
        await client.SendAsync(new MimeMessage
        {
            From = { MailboxAddress.Parse("billing@fabrikam.test") },
            To = { MailboxAddress.Parse("dora@contoso.test") },
            Subject = "Your invoice 7",
            Body = new TextPart("plain") { Text = "Please pay by Friday." },
        });
        await client.DisconnectAsync(true);
        return rule;
    }

    /// <summary>Two reporters' aggregate reports about our domain: a mail service that passes and a forger that fails.</summary>
    private async Task SeedDmarcReportsAsync()
    {
        var end = new DateTimeOffset(DateTime.UtcNow.Date, TimeSpan.Zero).AddSeconds(-1);
        foreach (var (reporter, id, records) in new[]
                 {
                     ("google.com", "17000000001", new[] { ("198.51.100.20", 1240L, true), ("203.0.113.66", 37L, false), ("192.0.2.145", 12L, true) }),
                     ("Outlook.com", "a3f9c1d2e4b5", new[] { ("198.51.100.20", 310L, true), ("203.0.113.66", 9L, false) }),
                 })
        {
            await server.Get<Mailflow.Dmarc.DmarcReportService>().StoreReceivedAsync(new Mailflow.Dmarc.DmarcReceivedReport
            {
                Reporter = reporter, ReporterEmail = "noreply-dmarc@" + reporter.ToLowerInvariant(), ReportId = id, PolicyDomain = "contoso.test",
                Begin = end.AddDays(-1).AddSeconds(1), End = end, ReceivedAt = end.AddHours(3),
                Records = [.. records.Select(r => new Mailflow.Dmarc.DmarcReceivedRecord
                {
                    SourceIp = r.Item1, Count = r.Item2, HeaderFrom = "contoso.test", DkimAligned = r.Item3 ? "pass" : "fail", SpfAligned = r.Item3 ? "pass" : "fail",
                    Disposition = r.Item3 ? "none" : "quarantine",
                })],
            });
        }
    }

    /// <summary>Signs in once and hands the cookie to each variant's browser context.</summary>
    private async Task<string> SignInOnceAsync()
    {
        await AdminSignIn.CreateAccountAsync(server.Services, AdminName, AdminPassword, AdminRoles.OrganizationManagement);
        await using var context = await _browser.NewContextAsync(new BrowserNewContextOptions { BypassCSP = true });
        var page = await context.NewPageAsync();
        await AdminSignIn.SignInAsync(page, server.BaseUrl, AdminName, AdminPassword);
        return await context.StorageStateAsync();
    }
}
