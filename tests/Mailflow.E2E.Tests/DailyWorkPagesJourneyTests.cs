using System.Net;
using System.Net.Sockets;
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
/// The daily-work pages with realistic data built over SMTP (issue 14, items 4 and 6–10): dozens of mailboxes with
/// long names, mail delivered to a mailbox server that refuses and defers some recipients, relay attempts and a
/// failed AUTH refused during SMTP, a listener that cannot bind its port. Walks the dashboard, receive connectors,
/// recipients, audit log, protocol logs and Test mail flow, checks what they say, and saves screenshots
/// (under screenshots/daily-work) at 1280×800 light and dark and 400 px.
/// </summary>
public sealed class DailyWorkPagesJourneyTests(MailflowSmtpServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : IClassFixture<MailflowSmtpServerFixture>, IAsyncLifetime
{
    private const string AdminName = "olivia.operations";
    private const string AdminPassword = "olivia's long daily-work password";

    private IPlaywright _playwright = default!;
    private IBrowser _browser = default!;

    public async Task InitializeAsync() => (_playwright, _browser) = await Browser.LaunchAsync();

    public async Task DisposeAsync()
    {
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task DailyWorkPages_WithRealisticTraffic_ShowGroupedFailuresRefusalsBindFailuresAndSearchablePagedLists()
    {
        var mailboxServer = LoopbackSmtpServer.Start(new LoopbackSmtpScript
        {
            RcptReply = (address, _) => address.StartsWith("former", StringComparison.Ordinal) ? $"550 5.1.1 <{address}>: mailbox unavailable"
                : address.StartsWith("busy", StringComparison.Ordinal) ? $"451 4.2.1 <{address}>: mailbox busy, try later" : null,
        });
        await using (mailboxServer)
        using (var squatter = new TcpListener(IPAddress.Loopback, 0))
        {
            squatter.Start();
            var takenPort = ((IPEndPoint)squatter.LocalEndpoint).Port;
            await SeedAsync(mailboxServer, takenPort);
            await AdminSignIn.CreateAccountAsync(server.Services, AdminName, AdminPassword, AdminRoles.OrganizationManagement);
            var directory = Browser.ScreenshotDirectory("daily-work");
            output.WriteLine($"Screenshots: {directory}");

            await using var context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
            var page = await context.NewPageAsync();
            page.SetDefaultTimeout(30_000);
            try
            {
                await AdminSignIn.SignInAsync(page, server.BaseUrl, AdminName, AdminPassword);

                // Dashboard: failures grouped per code and next hop (not per recipient), refusals counted, the node's listener down.
                await GoAsync(page, "/", "#dashboard-page");
                // The NDRs to the outside senders have no route here (451 4.4.0, unreachable): a group of their own.
                await Expect(page.Locator("[data-testid=failure-reason]", new() { HasTextString = "550 5.1.1" })).ToHaveCountAsync(1, new() { Timeout = 60_000 });
                // Six recipients' different 550 texts make one line; the deferrals (with their retries) another.
                await Expect(page.Locator("[data-testid=failure-codes]", new() { HasTextString = "451 4.2.1" })).ToHaveCountAsync(1, new() { Timeout = 60_000 });
                await Expect(page.Locator("[data-testid=failure-codes]", new() { HasTextString = "550 5.1.1" })).ToHaveCountAsync(1);
                await Expect(page.Locator("[data-testid=failure-reason]", new() { HasTextString = "550 5.1.1" }).Locator("[data-testid=failure-count]")).ToHaveTextAsync("6");
                await Expect(page.Locator("[data-testid=refusal-count][data-kind=RelayDenied]")).ToContainTextAsync("6");
                await Expect(page.Locator("[data-testid=refusal-count][data-kind=AuthFailed]")).ToContainTextAsync("2"); // MailKit tries PLAIN, then LOGIN
                await Expect(page.Locator("[data-testid=node-health]")).ToHaveTextAsync("Listener down");
                await page.ScreenshotAsync(new() { Path = Path.Combine(directory, "01-dashboard.png"), FullPage = true });

                // Receive connectors: the connector that cannot bind says so, with node, binding and reason; the doctor too.
                await GoAsync(page, "/mail-flow/receive-connectors", "#receive-connectors-page");
                await Expect(page.Locator("[data-testid=connector-bind-failure]")).ToContainTextAsync($"127.0.0.1:{takenPort}");
                await Expect(page.Locator("[data-testid=doctor-warning][data-check=listener-not-bound]")).ToContainTextAsync("is not listening");
                await page.ScreenshotAsync(new() { Path = Path.Combine(directory, "02-receive-connectors.png"), FullPage = true });

                // Recipients: paged in the store, "/" puts the caret in the search box, the password column.
                await GoAsync(page, "/recipients", "#recipients-page");
                await Expect(page.Locator(".mud-table-page-number-information")).ToContainTextAsync("of 48");
                await page.Locator("#page-title").ClickAsync();
                await page.Keyboard.PressAsync("/");
                await Expect(page.Locator("#recipient-search")).ToBeFocusedAsync();
                await page.Keyboard.TypeAsync("quartermaine");
                await Expect(page.Locator("#recipients [data-testid=recipient-address]")).ToHaveCountAsync(1);
                await Expect(page.Locator("#recipients [data-testid=recipient-password]")).ToHaveTextAsync("Set");
                await page.ScreenshotAsync(new() { Path = Path.Combine(directory, "03-recipients-search.png"), FullPage = true });

                // "?" opens the keyboard help.
                await page.Locator("#page-title").ClickAsync();
                await page.Keyboard.PressAsync("?");
                await Expect(page.Locator("#keyboard-help [data-testid=shortcut]")).ToHaveCountAsync(3);
                await page.ScreenshotAsync(new() { Path = Path.Combine(directory, "04-keyboard-help.png") });
                await page.Keyboard.PressAsync("Escape");

                // Audit log: the whole history paged, sign-ins recorded, changes field by field.
                await GoAsync(page, "/audit-log", "#audit-log-page");
                await Expect(page.Locator("[data-testid=audit-action]").First).ToContainTextAsync("Signed in");
                await page.FillAsync("#audit-filter", "Client Implicit TLS");
                await Expect(page.Locator("[data-testid=audit-object]").First).ToContainTextAsync("Client Implicit TLS");
                await page.Locator("[data-testid=audit-toggle]").First.ClickAsync();
                await Expect(page.Locator("[data-testid=audit-field-change]").First).ToContainTextAsync("Bindings");
                await page.ScreenshotAsync(new() { Path = Path.Combine(directory, "05-audit-log.png"), FullPage = true });

                // Protocol logs: receive sessions (on by default for the seeded connectors) and send sessions, with outcomes.
                await GoAsync(page, "/protocol-logs", "#protocol-logs-page");
                await page.ClickAsync("#logs-search");
                await Expect(page.Locator("[data-testid=session-outcome]", new() { HasTextString = "Relay denied" }).First).ToBeVisibleAsync();
                await Expect(page.Locator("[data-testid=session-outcome]", new() { HasTextString = "AUTH failed" }).First).ToBeVisibleAsync();
                await Expect(page.Locator("[data-testid=session-kind]", new() { HasTextString = "Send" }).First).ToBeVisibleAsync();
                // A send session that delivered (one whose only recipient was refused never sent data).
                var delivered = page.Locator("tr:has([data-testid=session-kind]:text-is('Send')):has([data-testid=session-outcome]:text-is('Delivered'))");
                await delivered.First.Locator("[data-testid=session-kind]").ClickAsync();
                await Expect(page.Locator("#logs-transcript")).ToContainTextAsync("message data");
                await page.ScreenshotAsync(new() { Path = Path.Combine(directory, "06-protocol-logs.png"), FullPage = true });

                // The log retention panel: how long completed messages are kept, with why, next to the log limits.
                await page.ClickAsync("#log-retention .mud-expand-panel-header");
                await Expect(page.Locator("#retention-completed-days")).ToHaveValueAsync("7");
                await Expect(page.Locator(".mud-input-control:has(#retention-completed-days)")).ToContainTextAsync("deleted this many days after their last change");
                await page.Locator("#log-retention").ScreenshotAsync(new() { Path = Path.Combine(directory, "06b-log-retention.png") });

                // Test mail flow: one of two recipients refused is not a green result.
                await GoAsync(page, "/mail-flow/test", "#test-mail-flow-page");
                await page.FillAsync("#test-sender", "someone@internet.example");
                await page.FillAsync("#test-recipients", "anna.quartermaine-fitzgerald@contoso.test, nobody.here@contoso.test");
                await page.ClickAsync("#run-test");
                await Expect(page.Locator("#test-summary")).ToContainTextAsync("1 of 2 recipients would be refused");
                Assert.Contains("mud-alert-text-warning", await page.Locator("#test-summary").GetAttributeAsync("class") ?? "");
                await page.ScreenshotAsync(new() { Path = Path.Combine(directory, "07-test-mail-flow.png"), FullPage = true });
            }
            catch
            {
                await page.ScreenshotAsync(new() { Path = Path.Combine(directory, "failure.png"), FullPage = true });
                output.WriteLine($"Failed at {page.Url}:\n{await page.ContentAsync()}");
                throw;
            }

            foreach (var (name, width, scheme) in new[] { ("dark", 1280, ColorScheme.Dark), ("narrow", 400, ColorScheme.Light) })
            {
                await using var variant = await _browser.NewContextAsync(new BrowserNewContextOptions
                {
                    ViewportSize = new ViewportSize { Width = width, Height = 800 },
                    ColorScheme = scheme,
                    StorageState = await context.StorageStateAsync(),
                });
                var other = await variant.NewPageAsync();
                other.SetDefaultTimeout(30_000);
                foreach (var (path, root, file) in new[] { ("/", "#dashboard-page", "dashboard"), ("/recipients", "#recipients-page", "recipients"), ("/audit-log", "#audit-log-page", "audit-log") })
                {
                    await GoAsync(other, path, root);
                    await Expect(other.Locator(".mud-progress-linear")).ToHaveCountAsync(0);
                    await other.WaitForTimeoutAsync(500); // the theme follows the browser a moment after the circuit is up
                    await other.ScreenshotAsync(new() { Path = Path.Combine(directory, $"{name}-{file}.png"), FullPage = true });
                }
            }
        }
    }

    private async Task GoAsync(IPage page, string path, string root)
    {
        await page.GotoAsync(server.BaseUrl + path);
        await page.Locator($"{root}[data-interactive=true]").WaitForAsync(new() { Timeout = 20_000 });
    }

    /// <summary>Mailboxes on a mailbox server over SMTP, a day's worth of small traffic over real SMTP, and a port another program holds.</summary>
    private async Task SeedAsync(LoopbackSmtpServer mailboxServer, int takenPort)
    {
        var recipients = server.Get<RecipientService>();
        string[] people = ["anna.quartermaine-fitzgerald", "bartholomew.okonkwo-lindqvist", "chiara.van-der-westhuizen", "busy.reception",
            "former.employee", "former.contractor", "former.intern"];
        foreach (var (person, i) in people.Concat(Enumerable.Range(1, 40).Select(n => $"staff-member-{n:D2}.research-and-development")).Select((p, i) => (p, i)))
        {
            var saved = await recipients.CreateAsync(AdminActor.System, new Recipient
            {
                Kind = RecipientKind.Mailbox,
                DisplayName = string.Join(' ', person.Split('.', '-').Select(w => char.ToUpperInvariant(w[0]) + w[1..])),
                PrimaryAddress = $"{person}@contoso.test",
                DeliveryKind = MailboxDeliveryKind.Smtp,
                DeliveryTarget = $"127.0.0.1:{mailboxServer.Port}",
            });
            if (i < 3)
                await recipients.SetSubmissionPasswordAsync(AdminActor.System, saved.Id, saved.Revision, $"mailbox password number {i}");
        }
        var connectors = server.Get<ReceiveConnectorService>();
        var implicitTls = (await connectors.ListAsync()).Single(c => c.Name == "Client Implicit TLS");
        implicitTls.Bindings = [new IpBinding("127.0.0.1", takenPort)];
        await connectors.UpdateAsync(AdminActor.System, implicitTls);
        await server.WaitForLatestGenerationAsync();

        var port = server.PortOf("Default Frontend");
        // Mail from outside to the mailboxes: delivered, refused (550) and deferred (451) by the mailbox server.
        for (var n = 0; n < 12; n++)
        {
            var to = n % 2 == 0 ? people[4 + n / 2 % 3] : n is 1 or 5 ? "busy.reception" : people[n % 3];
            await SendAsync(port, $"newsletter-{n}@partners.fabrikam.example", $"{to}@contoso.test", $"Partner update {n}");
        }
        // Relay attempts: refused at RCPT, nothing queued.
        for (var n = 0; n < 6; n++)
        {
            var error = await Assert.ThrowsAsync<SmtpCommandException>(() => SendAsync(port, $"spam{n}@botnet.example", $"victim{n}@elsewhere.example", "Cheap watches"));
            Assert.Equal(SmtpStatusCode.MailboxUnavailable, error.StatusCode);
        }
        // A mail program with the wrong password.
        using (var client = new SmtpClient { Timeout = 15_000, CheckCertificateRevocation = false, ServerCertificateValidationCallback = (_, _, _, _) => true })
        {
            await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.StartTls);
            await Assert.ThrowsAsync<AuthenticationException>(() => client.AuthenticateAsync("anna.quartermaine-fitzgerald@contoso.test", "not the password"));
            await client.DisconnectAsync(quit: true);
        }
    }

    private static async Task SendAsync(int port, string from, string to, string subject)
    {
        using var client = new SmtpClient { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
        try
        {
            await client.SendAsync(new MimeMessage
            {
                From = { MailboxAddress.Parse(from) },
                To = { MailboxAddress.Parse(to) },
                Subject = subject,
                Body = new TextPart("plain") { Text = "Hello from the realistic journey." },
            });
        }
        finally
        {
            await client.DisconnectAsync(quit: true);
        }
    }
}
