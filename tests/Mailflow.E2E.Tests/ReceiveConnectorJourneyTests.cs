using Mailflow.Server.Transport.Receive;
using MailKit.Net.Smtp;
using MailKit.Security;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>
/// An admin creates a receive connector on a new loopback port in the browser, and a mail client can
/// deliver to that port straight after the save: the change reaches SMTP without a restart.
/// </summary>
public sealed class ReceiveConnectorJourneyTests(SmtpMailflowServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : IClassFixture<SmtpMailflowServerFixture>, IAsyncLifetime
{
    private const string NewPassword = "correct horse battery staple";
    private IPlaywright _playwright = default!;
    private IBrowser _browser = default!;
    private IBrowserContext _context = default!;
    private IPage _page = default!;

    public async Task InitializeAsync()
    {
        (_playwright, _browser) = await Browser.LaunchAsync();
        _context = await _browser.NewContextAsync(new BrowserNewContextOptions { ViewportSize = new ViewportSize { Width = 1280, Height = 800 } });
        _page = await _context.NewPageAsync();
        _page.Console += (_, message) => output.WriteLine($"[browser {message.Type}] {message.Text}");
    }

    public async Task DisposeAsync()
    {
        await _context.DisposeAsync();
        await _browser.DisposeAsync();
        _playwright.Dispose();
    }

    [Fact]
    public async Task NewConnectorOnFreePort_WhenSavedInTheBrowser_AcceptsMailOverSmtpAtOnce()
    {
        try
        {
            await WalkAsync();
        }
        catch
        {
            await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("failure-receive-connector-journey.png"), FullPage = true });
            output.WriteLine($"Failed at {_page.Url}:\n{await _page.ContentAsync()}");
            throw;
        }
    }

    private async Task WalkAsync()
    {
        var port = TestSupport.FreePort.Get();
        await _page.GotoAsync(server.BaseUrl + "/mail-flow/receive-connectors");
        await _page.FillAsync("#login-username", "admin");
        await _page.FillAsync("#login-password", MailflowServerFixture.InitialPassword);
        await _page.ClickAsync("#login-submit");
        await Expect(_page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("/account/change-password"));
        await _page.FillAsync("#current-password", MailflowServerFixture.InitialPassword);
        await _page.FillAsync("#new-password", NewPassword);
        await _page.FillAsync("#confirm-password", NewPassword);
        await _page.ClickAsync("#change-password-submit");

        await _page.Locator("#receive-connectors-page[data-interactive=true]").WaitForAsync(new() { Timeout = 20_000 });
        await Expect(_page.Locator("#receive-connectors [data-testid=connector-name]")).ToHaveCountAsync(3);
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("10-receive-connectors.png"), FullPage = true });

        await _page.ClickAsync("#add-receive-connector");
        await _page.FillAsync("#rc-name-input", "E2E anonymous");
        await _page.FillAsync("#rc-binding-address", "127.0.0.1");
        await _page.FillAsync("#rc-binding-port", port.ToString(System.Globalization.CultureInfo.InvariantCulture));
        await _page.ClickAsync("#rc-add-binding");
        await Expect(_page.Locator($"[data-testid='binding-127.0.0.1:{port}']")).ToBeVisibleAsync();
        await _page.FillAsync("#rc-range-input", "10.0.0.0/33");
        await Expect(_page.Locator("[data-testid=rc-range-field] .mud-input-helper-text")).ToContainTextAsync("10.0.0.0/33 is not a valid CIDR range");
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("11-receive-connector-dialog.png"), FullPage = true });
        await _page.FillAsync("#rc-range-input", "127.0.0.0/8");
        await _page.ClickAsync("#rc-add-range");
        await _page.ClickAsync("#rc-save");

        await Expect(_page.Locator(".mud-snackbar")).ToContainTextAsync("E2E anonymous was created");
        await Expect(_page.Locator("#receive-connectors [data-testid=connector-name]")).ToHaveCountAsync(4);

        // The saved generation reaching the receive engine is the "at once": no restart, no reload.
        var saved = await server.LatestSavedGenerationAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
            await server.Services.GetRequiredService<ReceiveEngine>().WaitForAppliedAsync(saved, timeout.Token);

        var message = new MimeMessage();
        message.From.Add(MailboxAddress.Parse("someone@example.org"));
        message.To.Add(MailboxAddress.Parse("postmaster@mailflow.local"));
        message.Subject = "Through the new connector";
        message.Body = new TextPart("plain") { Text = "Hello." };
        using var client = new SmtpClient();
        using var timeoutSend = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None, timeoutSend.Token);
        var reply = await client.SendAsync(message, timeoutSend.Token);
        await client.DisconnectAsync(quit: true, timeoutSend.Token);

        Assert.False(string.IsNullOrWhiteSpace(reply));
        output.WriteLine($"250 reply text: {reply}");

        await ScreenshotTheOtherPagesAsync();
        await TestASendConnectorAsync();
    }

    /// <summary>
    /// "Test connector" against a real next hop: Mailflow's own Client Frontend, which offers STARTTLS and
    /// AUTH to a mailbox with a submission password. The transcript shows TLS, certificate and AUTH; no message is sent.
    /// </summary>
    private async Task TestASendConnectorAsync()
    {
        const string RelayPassword = "relay mailbox password";
        var actor = Configuration.AdminActor.System;
        var recipients = server.Services.GetRequiredService<Configuration.RecipientService>();
        var mailbox = await recipients.CreateAsync(actor, new Configuration.Recipient { Kind = Configuration.RecipientKind.Mailbox, PrimaryAddress = "relay@mailflow.local" });
        await recipients.SetSubmissionPasswordAsync(actor, mailbox.Id, mailbox.Revision, RelayPassword);
        var clientFrontend = (await server.Services.GetRequiredService<Configuration.ReceiveConnectorService>().ListAsync()).Single(c => c.Name == "Client Frontend");
        var engine = server.Services.GetRequiredService<ReceiveEngine>();
        var clientPort = ((System.Net.IPEndPoint)engine.Host!.BoundEndPoints[clientFrontend.Bindings[0]]).Port;
        await server.Services.GetRequiredService<Configuration.SendConnectorService>().CreateAsync(actor, new Configuration.SendConnector
        {
            Name = "Loopback smart host",
            AddressSpaces = [new Configuration.AddressSpace("loopback.test")],
            RoutingMethod = Configuration.SendRoutingMethod.SmartHost,
            SmartHosts = [$"127.0.0.1:{clientPort}"],
            SmartHostAuthentication = Configuration.SmartHostAuthentication.Basic,
            SmartHostUsername = "relay@mailflow.local",
            TlsPolicy = Configuration.OutboundTlsPolicy.Required,
        }, RelayPassword);
        var saved = await server.LatestSavedGenerationAsync();
        using (var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(15)))
            await engine.WaitForAppliedAsync(saved, timeout.Token);

        await OpenAsync("/mail-flow/send-connectors", "#send-connectors-page");
        await _page.ClickAsync("[data-testid='test-Loopback smart host']");
        await _page.ClickAsync("#sc-run-test");
        await Expect(_page.Locator("#sc-test-result [data-testid=sc-test-auth]")).ToContainTextAsync("Succeeded as relay@mailflow.local", new() { Timeout = 45_000 });
        await Expect(_page.Locator("#sc-test-result [data-testid=sc-test-tls]")).ToContainTextAsync("Tls");
        await Expect(_page.Locator("#sc-test-result [data-testid=sc-test-certificate]")).ToContainTextAsync("CN=");
        await Expect(_page.Locator("#sc-test-result [data-testid=sc-test-capabilities]")).ToContainTextAsync("AUTH");
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("20-send-connector-test.png"), FullPage = true });
        Assert.DoesNotContain(RelayPassword, await _page.ContentAsync(), StringComparison.Ordinal);
    }

    /// <summary>The other configuration pages load with data in the real server, in light, dark and narrow layouts.</summary>
    private async Task ScreenshotTheOtherPagesAsync()
    {
        await OpenAsync("/mail-flow/send-connectors", "#send-connectors-page");
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("13-send-connectors.png"), FullPage = true });
        await _page.ClickAsync("#add-send-connector");
        await _page.FillAsync("#sc-name-input", "Provider");
        await _page.ClickAsync("#sc-routing input[value=SmartHost], #sc-routing label:has-text('smart hosts')");
        await Expect(_page.Locator("#sc-smart-host-input")).ToBeVisibleAsync();
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("14-send-connector-dialog.png"), FullPage = true });
        await _page.ClickAsync("#sc-cancel");

        await OpenAsync("/recipients", "#recipients-page");
        await Expect(_page.Locator("#recipients")).ToContainTextAsync("postmaster@mailflow.local");
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("15-recipients.png"), FullPage = true });

        await OpenAsync("/settings", "#organization-settings-page");
        await Expect(_page.Locator("#org-expiration-amount")).ToHaveValueAsync("2");
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("16-organization-settings.png"), FullPage = true });

        await OpenAsync("/settings/tls-certificates", "#tls-certificates-page");
        await Expect(_page.Locator("#tls-subject")).ToContainTextAsync("CN=");
        await Expect(_page.Locator("#tls-kind")).ToContainTextAsync("Self-signed");
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("17-tls-certificates.png"), FullPage = true });

        await OpenAsync("/mail-flow/receive-connectors", "#receive-connectors-page");
        const string Background = "getComputedStyle(document.documentElement).getPropertyValue('--mud-palette-background').trim()";
        var lightBackground = await _page.EvaluateAsync<string>(Background);
        await _page.ClickAsync("#theme-toggle");
        await _page.WaitForFunctionAsync($"{Background} !== '{lightBackground}'");
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("18-receive-connectors-dark.png"), FullPage = true });

        await _page.SetViewportSizeAsync(420, 800);
        await OpenAsync("/mail-flow/receive-connectors", "#receive-connectors-page");
        await _page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("19-receive-connectors-narrow.png"), FullPage = true });
        await _page.SetViewportSizeAsync(1280, 800);
    }

    private async Task OpenAsync(string path, string rootSelector)
    {
        await _page.GotoAsync(server.BaseUrl + path);
        await _page.Locator($"{rootSelector}[data-interactive=true]").WaitForAsync(new() { Timeout = 20_000 });
        await Expect(_page.Locator(".mud-progress-linear")).ToHaveCountAsync(0);
    }
}
