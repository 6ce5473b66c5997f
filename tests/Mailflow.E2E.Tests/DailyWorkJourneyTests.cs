using System.Text.RegularExpressions;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.TestSupport;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>
/// Daily work with realistic data (issue 14): three dozen messages over SMTP to a local mailbox and three
/// next hops with long send connector names — a loopback smart host that answers 451 for one recipient and
/// 550 for another (so NDRs come back), a second smart host that accepts, and an "Internet" connector whose
/// smart host is down. Two admins in two time zones walk queues → message → trace → protocol log →
/// dashboard and check names (never next-hop GUIDs), outcomes and times, at 1280×800 and 400 px, light
/// and dark, with screenshots under test-artifacts/screenshots/daily-work.
/// </summary>
public sealed class DailyWorkJourneyTests(MailflowSmtpServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : BrowserJourney(output), IClassFixture<MailflowSmtpServerFixture>
{
    private const string NewPassword = "correct horse battery staple";
    private const string PartnerConnector = "Outbound to partner organizations through the regional relay in Frankfurt";
    private const string FabrikamConnector = "Fabrikam direct delivery via the Fabrikam smart host cluster";
    private const string InternetConnector = "Internet (all other domains) through the perimeter relay";
    private const string Greylisted = "451 4.7.1 Greylisted, please try again in 5 minutes";
    private const string NoSuchUser = "550 5.1.1 <nobody@partner.test>: Recipient address rejected: User unknown in virtual mailbox table";
    private const int MessageCount = 36;
    private static readonly AdminActor Admin = AdminActor.System;

    [Fact]
    public async Task RealisticTraffic_WalkedInTwoTimeZones_ShowsNamesOutcomesAndTimes()
    {
        var partner = LoopbackSmtpServer.Start(new LoopbackSmtpScript
        {
            RcptReply = (address, _) => address.StartsWith("grey@", StringComparison.OrdinalIgnoreCase) ? Greylisted
                : address.StartsWith("nobody@", StringComparison.OrdinalIgnoreCase) ? NoSuchUser : null,
        });
        var fabrikam = LoopbackSmtpServer.Start();
        await using (partner)
        await using (fabrikam)
        {
            try
            {
                await BuildTrafficAsync(partner.Port, fabrikam.Port);
                // The partner relay accepted the messages whose only partner recipient it takes (dan@): delivery is under way.
                await partner.WaitForMessagesAsync(MessageCount / 4, TimeSpan.FromSeconds(90));
                await WalkAtDesktopInBerlinAsync();
                await WalkOnAPhoneInNewYorkAsync();
            }
            catch (Exception failure)
            {
                Output.WriteLine($"Failed: {failure}");
                var current = _current ?? Page;
                if (!current.IsClosed)
                {
                    await current.ScreenshotAsync(new() { Path = Shot("failure.png"), FullPage = true });
                    Output.WriteLine($"Failed at {current.Url}:\n{await current.ContentAsync()}");
                }
                throw;
            }
        }
    }

    /// <summary>The page the walk is on (each admin has their own browser context), for the failure screenshot.</summary>
    private IPage? _current;

    private static string Shot(string name) => Path.Combine(Browser.ScreenshotDirectory("daily-work"), name);

    private async Task BuildTrafficAsync(int partnerPort, int fabrikamPort)
    {
        var recipients = server.Get<RecipientService>();
        var bob = await recipients.CreateAsync(Admin, new Recipient
        {
            Kind = RecipientKind.Mailbox, DisplayName = "Bob Kelly", PrimaryAddress = "bob@contoso.test",
            DeliveryKind = MailboxDeliveryKind.Maildir, DeliveryTarget = "maildir/bob",
        });
        await recipients.SetSubmissionPasswordAsync(Admin, bob.Id, bob.Revision, "bobs-submission-pass");
        await recipients.CreateAsync(Admin, new Recipient
        {
            Kind = RecipientKind.Mailbox, DisplayName = "Alice Smith", PrimaryAddress = "alice@contoso.test",
            DeliveryKind = MailboxDeliveryKind.Maildir, DeliveryTarget = "maildir/alice",
        });
        var connectors = server.Get<SendConnectorService>();
        await connectors.CreateAsync(Admin, new SendConnector
        {
            Name = PartnerConnector, AddressSpaces = [new AddressSpace("partner.test")], RoutingMethod = SendRoutingMethod.SmartHost, SmartHosts = [$"127.0.0.1:{partnerPort}"],
        });
        await connectors.CreateAsync(Admin, new SendConnector
        {
            Name = FabrikamConnector, AddressSpaces = [new AddressSpace("fabrikam.test")], RoutingMethod = SendRoutingMethod.SmartHost, SmartHosts = [$"127.0.0.1:{fabrikamPort}"],
        });
        // Nothing listens there: every attempt is a connection failure.
        await connectors.CreateAsync(Admin, new SendConnector
        {
            Name = InternetConnector, AddressSpaces = [new AddressSpace("*")], RoutingMethod = SendRoutingMethod.SmartHost, SmartHosts = [$"127.0.0.1:{FreePort.Get()}"],
        });
        var receive = server.Get<ReceiveConnectorService>();
        var clientFrontend = (await receive.ListAsync()).Single(c => c.Name == "Client Frontend");
        clientFrontend.ProtocolLogging = ProtocolLoggingLevel.Verbose;
        await receive.UpdateAsync(Admin, clientFrontend);
        await server.WaitForLatestGenerationAsync();

        // One submission session with three dozen messages, as a busy mail client or application sends them.
        using var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 30_000 };
        await client.ConnectAsync("127.0.0.1", server.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
        await client.AuthenticateAsync("bob@contoso.test", "bobs-submission-pass");
        string[] partnerRecipients = ["grey@partner.test", "nobody@partner.test", "dan@partner.test"];
        for (var i = 0; i < MessageCount; i++)
        {
            var message = new MimeMessage { Subject = $"Order {1000 + i} — shipment schedule for calendar week 49 (revised)" };
            message.From.Add(new MailboxAddress("Bob Kelly", "bob@contoso.test"));
            message.To.Add(MailboxAddress.Parse("alice@contoso.test"));
            message.To.Add(MailboxAddress.Parse(i % 4 == 3 ? $"buyer{i}@example.org" : partnerRecipients[i % 4]));
            if (i % 3 == 0)
                message.Cc.Add(MailboxAddress.Parse("carol@fabrikam.test"));
            message.Body = new TextPart("plain") { Text = $"Hello,\n\nthe revised schedule for order {1000 + i} is attached below.\n\nBob" };
            await client.SendAsync(message);
        }
        await client.DisconnectAsync(true);
    }

    private async Task WalkAtDesktopInBerlinAsync()
    {
        var context = await NewContextAsync("Europe/Berlin", 1280, 800, ColorScheme.Light);
        var page = _current = await context.NewPageAsync();
        await SignInAsync(page, firstTime: true);

        // Queues: named next hops with why they are stuck, times in Berlin (UTC+1 in December).
        await page.GotoAsync(server.BaseUrl + "/queues");
        await page.Locator("#queues-page[data-interactive=true]").WaitForAsync();
        var partnerRow = page.Locator("#queue-list tbody tr", new() { HasText = PartnerConnector });
        await Assertions.Expect(partnerRow.Locator("[data-testid=queue-stuck]")).ToContainTextAsync("451 4.7.1 Greylisted", new() { Timeout = 90_000 });
        await Assertions.Expect(partnerRow.Locator("[data-testid=queue-stuck]")).ToContainTextAsync("UTC+1");
        await Assertions.Expect(partnerRow.Locator("[data-testid=queue-status]")).ToHaveTextAsync(new Regex("Retry|Ready|Active"));
        var internetRow = page.Locator("#queue-list tbody tr", new() { HasText = InternetConnector });
        await Assertions.Expect(internetRow.Locator("[data-testid=queue-stuck]")).ToContainTextAsync("could not be reached", new() { Timeout = 90_000 });
        var queueListText = await page.Locator("#queue-list").InnerTextAsync();
        Assert.DoesNotContain("smarthost:", queueListText);
        Assert.DoesNotMatch(new Regex("[0-9a-f]{8}-[0-9a-f]{4}-"), queueListText);
        Assert.True(int.Parse(await page.Locator("#digest-total").InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture) >= MessageCount / 4);
        await page.ScreenshotAsync(new() { Path = Shot("01-queues-1280-light.png"), FullPage = true });
        await AssertColumnsNotClippedAsync(page, "#queue-list"); // the actions column was cut off at 1280

        // Drill into the partner queue: only its waiting messages, with operator statuses and the node.
        await partnerRow.Locator("[data-testid=queue-next-hop]").ClickAsync();
        await Assertions.Expect(page.Locator("#messages-title")).ToContainTextAsync(PartnerConnector);
        var firstMessage = page.Locator("#queued-messages [data-testid=message-queue-id]").First;
        await firstMessage.WaitForAsync();
        await Assertions.Expect(page.Locator("#queued-messages [data-testid=message-status]").First).ToHaveTextAsync(new Regex("Retry|Ready|Active"));
        await Assertions.Expect(page.Locator("#queued-messages [data-testid=message-node]").First).ToContainTextAsync(MailflowSmtpServerFixture.NodeName);
        await Assertions.Expect(page.Locator("#queued-messages [data-testid=message-received]").First).ToContainTextAsync("UTC+1");
        await AssertColumnsNotClippedAsync(page, "#queued-messages");
        await page.ScreenshotAsync(new() { Path = Shot("02-queue-drilldown-1280-light.png"), FullPage = true });

        // The message: each recipient's next hop by name.
        await firstMessage.ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=details-recipient-next-hop]").First).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator("#details-recipients")).ToContainTextAsync(PartnerConnector);
        await Assertions.Expect(page.Locator("#details-recipients")).ToContainTextAsync("Local mailboxes");
        Assert.DoesNotContain("smarthost:", await page.Locator("#details-recipients").InnerTextAsync());
        await Assertions.Expect(page.Locator("[data-testid=details-tls]")).ToContainTextAsync("TLS 1."); // never .NET's "Tls13"
        await page.ScreenshotAsync(new() { Path = Shot("03-message-details-1280-light.png"), FullPage = true });
        await page.ClickAsync("#details-close");

        // Trace: the 550 recipient's messages, outcome per recipient, the NDR, CSV, and the SMTP conversation.
        await page.GotoAsync(server.BaseUrl + "/message-trace");
        await page.Locator("#message-trace-page[data-interactive=true]").WaitForAsync();
        await page.FillAsync("#trace-recipient", "nobody@partner.test");
        await page.ClickAsync("#trace-search");
        var rows = page.Locator("#trace-results tbody tr:has([data-testid=trace-outcome])");
        await Assertions.Expect(rows).ToHaveCountAsync(MessageCount / 4, new() { Timeout = 60_000 });
        await Assertions.Expect(rows.First.Locator("[data-testid=trace-outcome-chip][data-outcome=Failed]")).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(rows.First.Locator("[data-testid=trace-recipients]")).ToContainTextAsync("alice@contoso.test");
        await Assertions.Expect(rows.First.Locator("[data-testid=trace-received]")).ToContainTextAsync("UTC+1");
        await rows.First.ClickAsync();
        var expanded = page.Locator("[data-testid=trace-message]").First;
        await Assertions.Expect(expanded.Locator("[data-testid=trace-recipient][data-outcome=Failed]")).ToContainTextAsync("550 5.1.1");
        await Assertions.Expect(expanded.Locator("[data-testid=trace-recipient][data-outcome=Delivered]", new() { HasText = "alice@contoso.test" })).ToHaveCountAsync(1);
        await Assertions.Expect(expanded.Locator("[data-testid=timeline-event][data-kind=Dsn]")).ToContainTextAsync("<bob@contoso.test>");
        await Assertions.Expect(expanded.Locator("[data-testid=timeline-event][data-kind=Route]").First).ToContainTextAsync("Local mailboxes");
        var expandedText = await expanded.InnerTextAsync();
        Assert.DoesNotMatch(new Regex("[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-"), expandedText);
        Assert.DoesNotMatch(new Regex(@"\bTls1\d\b"), expandedText);
        await AssertColumnsNotClippedAsync(page, "[data-testid=tracking-timeline]");
        await page.ScreenshotAsync(new() { Path = Shot("04-trace-1280-light.png"), FullPage = true });

        var csvUrl = await page.Locator("#trace-export").GetAttributeAsync("href");
        var csv = await (await page.APIRequest.GetAsync(server.BaseUrl + csvUrl)).TextAsync();
        Assert.StartsWith("\uFEFFqueue_id,message_id,received_at,sender,subject,recipient,outcome", csv);
        Assert.Matches(new Regex(@",nobody@partner\.test,Failed,\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z,smarthost:[^,]+,\""?" + Regex.Escape(PartnerConnector)), csv);

        // The NDR reached Bob's mailbox: it is traced too.
        await page.FillAsync("#trace-recipient", "bob@contoso.test");
        await page.ClickAsync("#trace-search");
        await Assertions.Expect(page.Locator("#trace-results [data-testid=trace-sender]", new() { HasText = "<> (bounce)" }).First).ToBeVisibleAsync(new() { Timeout = 60_000 });

        // From the RECEIVE event to the SMTP conversation that brought the message in.
        await page.FillAsync("#trace-recipient", "nobody@partner.test");
        await page.ClickAsync("#trace-search");
        // Wait for this search's rows (not the previous search's) before opening one.
        await Assertions.Expect(page.Locator("#trace-results [data-testid=trace-sender]", new() { HasText = "<> (bounce)" })).ToHaveCountAsync(0);
        await Assertions.Expect(rows).ToHaveCountAsync(MessageCount / 4);
        await rows.First.ClickAsync();
        await page.Locator("[data-testid=trace-message] [data-testid=timeline-protocol-log]").First.ClickAsync();
        await page.Locator("#protocol-logs-page[data-interactive=true]").WaitForAsync();
        await Assertions.Expect(page.Locator("[data-testid=transcript]")).ToContainTextAsync("RCPT TO:<nobody@partner.test>", new() { Timeout = 30_000 });
        Assert.DoesNotContain("bobs-submission-pass", await page.Locator("[data-testid=transcript]").InnerTextAsync());
        await page.ScreenshotAsync(new() { Path = Shot("05-protocol-log-1280-light.png"), FullPage = true });

        // Dashboard: the queue-depth chart is labelled with connector names.
        await page.GotoAsync(server.BaseUrl + "/");
        await page.Locator("#dashboard-page[data-interactive=true]").WaitForAsync();
        await Assertions.Expect(page.Locator("#dashboard-page")).ToContainTextAsync(PartnerConnector);
        Assert.DoesNotContain("smarthost:", await page.Locator("#dashboard-page").InnerTextAsync());
        await page.ScreenshotAsync(new() { Path = Shot("06-dashboard-1280-light.png"), FullPage = true });

        // The same at 1280 in the dark theme.
        await page.ClickAsync("#theme-toggle");
        await page.GotoAsync(server.BaseUrl + "/queues");
        await page.Locator("#queues-page[data-interactive=true]").WaitForAsync();
        await Assertions.Expect(page.Locator("#queue-list")).ToContainTextAsync(PartnerConnector);
        await page.ScreenshotAsync(new() { Path = Shot("07-queues-1280-dark.png"), FullPage = true });
        await page.GotoAsync(server.BaseUrl + "/message-trace?id=" + Uri.EscapeDataString(await FailedQueueIdAsync(csv)));
        await Assertions.Expect(page.Locator("[data-testid=trace-recipient][data-outcome=Failed]")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await page.ScreenshotAsync(new() { Path = Shot("08-trace-1280-dark.png"), FullPage = true });
    }

    private async Task WalkOnAPhoneInNewYorkAsync()
    {
        var context = await NewContextAsync("America/New_York", 400, 800, ColorScheme.Dark);
        var page = _current = await context.NewPageAsync();
        await SignInAsync(page, firstTime: false);

        await page.GotoAsync(server.BaseUrl + "/queues");
        await page.Locator("#queues-page[data-interactive=true]").WaitForAsync();
        var partnerRow = page.Locator("#queue-list tbody tr", new() { HasText = PartnerConnector });
        await Assertions.Expect(partnerRow.Locator("[data-testid=queue-stuck]")).ToContainTextAsync("UTC-5", new() { Timeout = 30_000 });
        await AssertNoSidewaysScrollAsync(page);
        await page.ScreenshotAsync(new() { Path = Shot("11-queues-400-dark.png"), FullPage = true });

        await page.GotoAsync(server.BaseUrl + "/message-trace");
        await page.Locator("#message-trace-page[data-interactive=true]").WaitForAsync();
        await page.FillAsync("#trace-recipient", "nobody@partner.test");
        await page.ClickAsync("#trace-search");
        var rows = page.Locator("#trace-results tbody tr:has([data-testid=trace-outcome])");
        await Assertions.Expect(rows.First.Locator("[data-testid=trace-received]")).ToContainTextAsync("UTC-5", new() { Timeout = 30_000 });
        await rows.First.ClickAsync();
        await Assertions.Expect(page.Locator("[data-testid=trace-message] [data-testid=trace-recipient][data-outcome=Failed]").First).ToBeVisibleAsync();
        await AssertNoSidewaysScrollAsync(page);
        // The opened message's recipient table once widened the list so the row's values sat beyond the screen's edge.
        await AssertColumnsNotClippedAsync(page, "#trace-results");
        await Assertions.Expect(rows.First.Locator("[data-testid=trace-sender]")).ToBeInViewportAsync(new() { Ratio = 1 });
        await page.ScreenshotAsync(new() { Path = Shot("12-trace-400-dark.png"), FullPage = true });

        await page.ClickAsync("#theme-toggle");
        await page.GotoAsync(server.BaseUrl + "/queues");
        await page.Locator("#queues-page[data-interactive=true]").WaitForAsync();
        await Assertions.Expect(page.Locator("#queue-list")).ToContainTextAsync(PartnerConnector);
        await AssertNoSidewaysScrollAsync(page);
        await page.ScreenshotAsync(new() { Path = Shot("13-queues-400-light.png"), FullPage = true });
        await page.GotoAsync(server.BaseUrl + "/");
        await page.Locator("#dashboard-page[data-interactive=true]").WaitForAsync();
        await page.ScreenshotAsync(new() { Path = Shot("14-dashboard-400-light.png"), FullPage = true });
    }

    /// <summary>A queue id of a message with the 550 recipient, from the exported CSV.</summary>
    private static Task<string> FailedQueueIdAsync(string csv) =>
        Task.FromResult(csv.Split("\r\n").First(l => l.Contains(",nobody@partner.test,Failed,", StringComparison.Ordinal)).TrimStart('\uFEFF').Split(',')[0]);

    private async Task<IBrowserContext> NewContextAsync(string timeZone, int width, int height, ColorScheme scheme)
    {
        var context = await Page.Context.Browser!.NewContextAsync(new BrowserNewContextOptions
        {
            ViewportSize = new ViewportSize { Width = width, Height = height },
            TimezoneId = timeZone,
            Locale = timeZone.StartsWith("Europe", StringComparison.Ordinal) ? "de-DE" : "en-US",
            ColorScheme = scheme,
        });
        context.SetDefaultTimeout(30_000);
        return context;
    }

    private async Task SignInAsync(IPage page, bool firstTime)
    {
        page.Console += (_, message) => Output.WriteLine($"[browser {message.Type}] {message.Text}");
        await page.GotoAsync(server.BaseUrl + "/account/login");
        await page.FillAsync("#login-username", "admin");
        await page.FillAsync("#login-password", firstTime ? MailflowSmtpServerFixture.InitialPassword : NewPassword);
        await page.ClickAsync("#login-submit");
        if (firstTime)
        {
            await Assertions.Expect(page).ToHaveURLAsync(new Regex("/account/change-password"));
            await page.FillAsync("#current-password", MailflowSmtpServerFixture.InitialPassword);
            await page.FillAsync("#new-password", NewPassword);
            await page.FillAsync("#confirm-password", NewPassword);
            await page.ClickAsync("#change-password-submit");
        }
        await page.Locator("#admin-layout[data-interactive=true]").WaitForAsync(new() { Timeout = 20_000 });
    }

    /// <summary>No cell of the table is wider than the table's box lets it show (the issue's clipped Size/Attempts/Last error columns).</summary>
    private static async Task AssertColumnsNotClippedAsync(IPage page, string selector)
    {
        var found = await page.EvaluateAsync<string[]>($$"""
            () => {
                const root = document.querySelector('{{selector}}');
                if (!root) return ['-1', 'no such element'];
                const box = root.getBoundingClientRect();
                let worst = 0, which = '';
                for (const cell of root.querySelectorAll('tbody td, thead th, .timeline-facts')) {
                    if (cell.offsetParent === null) continue;
                    const r = cell.getBoundingClientRect();
                    const beyond = Math.round(r.right - Math.max(box.right, document.documentElement.clientWidth));
                    if (beyond > worst) { worst = beyond; which = (cell.getAttribute('data-label') || cell.className) + ': ' + cell.innerText.slice(0, 60); }
                }
                return [String(worst), which];
            }
            """);
        var overflow = int.Parse(found[0], System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(overflow <= 1, $"{selector}: a cell ends {overflow}px beyond the visible area ({found[1]})");
    }

    private static async Task AssertNoSidewaysScrollAsync(IPage page)
    {
        var widths = await page.EvaluateAsync<int[]>("[document.scrollingElement.scrollWidth, window.innerWidth]");
        Assert.True(widths[0] <= widths[1] + 1, $"{page.Url} scrolls sideways at {widths[1]}px: {widths[0]}px wide");
    }
}
