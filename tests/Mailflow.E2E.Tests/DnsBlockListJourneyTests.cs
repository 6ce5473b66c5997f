using System.Net;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Configuration;
using Mailflow.Identity;
using Mailflow.TestSupport;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Playwright;
using MimeKit;
using static Microsoft.Playwright.Assertions;

namespace Mailflow.E2E.Tests;

/// <summary>The SMTP server fixture with its DNS on a loopback server the journey fills (a DNS block list zone).</summary>
public sealed class DnsblSmtpServerFixture : MailflowSmtpServerFixture
{
    public LoopbackDnsServer Dns { get; } = new();

    protected override void ConfigureMore(IWebHostBuilder builder)
    {
        builder.UseSetting("Mailflow:Dns:Servers:0", $"127.0.0.1:{Dns.EndPoint.Port}");
        builder.UseSetting("Mailflow:Dns:TimeoutMilliseconds", "2000");
    }

    public override async ValueTask DisposeAsync()
    {
        await base.DisposeAsync();
        await Dns.DisposeAsync();
    }
}

/// <summary>
/// The journey: a client on a DNS block list (a zone served on loopback; the client speaks from 127.0.0.7) is
/// refused on the wire; the admin finds the refusal in the message trace with the zone and the listing's reason, puts the
/// address on the IP allow list on the connection filtering page, and the client's next message is accepted and
/// delivered. Screenshots of each step under test-artifacts/screenshots/dnsbl.
/// </summary>
public sealed class DnsBlockListJourneyTests(DnsblSmtpServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : BrowserJourney(output), IClassFixture<DnsblSmtpServerFixture>
{
    private const string Password = "dnsbl journey password 1";
    private const string ClientAddress = "127.0.0.7";
    private const string Zone = "bl.test";
    private const string ListingReason = "127.0.0.7 sent spam to our traps; see https://bl.test/lookup?ip=127.0.0.7";

    private static string Shot(string name) => Path.Combine(Browser.ScreenshotDirectory("dnsbl"), name);

    private static MimeMessage Message(string subject) => new()
    {
        From = { MailboxAddress.Parse("newsletter@fabrikam.test") },
        To = { MailboxAddress.Parse("alice@contoso.test") },
        Subject = subject,
        Body = new TextPart("plain") { Text = "The December newsletter." },
    };

    /// <summary>Sends from 127.0.0.7 (Linux answers for all of 127.0.0.0/8 on loopback), so the zone is asked about that address.</summary>
    private async Task<string> SendFromListedAddressAsync(string subject)
    {
        using var client = new SmtpClient { Timeout = 30_000, LocalDomain = "mail.fabrikam.test", LocalEndPoint = new IPEndPoint(IPAddress.Parse(ClientAddress), 0) };
        await client.ConnectAsync("127.0.0.1", server.PortOf("Default Frontend"), SecureSocketOptions.None);
        try
        {
            return await client.SendAsync(Message(subject));
        }
        finally
        {
            await client.DisconnectAsync(true);
        }
    }

    [Fact]
    public async Task ListedClientIsRefused_AdminSeesWhyInTheTrace_AllowsTheAddress_NextMessageIsDelivered()
    {
        server.Dns.A("7.0.0.127." + Zone, "127.0.0.2", ttl: 0).Txt("7.0.0.127." + Zone, ListingReason, ttl: 0);
        await server.Get<RecipientService>().CreateAsync(AdminActor.System, new Recipient { Kind = RecipientKind.Mailbox, DisplayName = "Alice", PrimaryAddress = "alice@contoso.test" });
        var protection = server.Get<ProtectionSettingsService>();
        var settings = await protection.GetAsync();
        settings.ConnectionFilter = new ConnectionFilterSettings { CheckAt = DnsBlockListCheckPoint.Recipient, Zones = [new DnsBlockList { Zone = Zone }] };
        await protection.UpdateAsync(AdminActor.System, settings);
        await server.WaitForLatestGenerationAsync();

        // 1. On the wire: 550 5.7.1 at RCPT TO, naming the zone and its reason.
        var refused = await Assert.ThrowsAsync<SmtpCommandException>(() => SendFromListedAddressAsync("December newsletter"));
        Assert.Equal(550, (int)refused.StatusCode);
        Assert.Contains($"blocked using {Zone}; {ListingReason}", refused.Message);

        // 2. The admin looks in the message trace: the Refused tab has the refusal, the zone and the reason.
        await AdminSignIn.CreateAccountAsync(server.Services, "rita", Password, AdminRoles.OrganizationManagement);
        await AdminSignIn.SignInAsync(Page, server.BaseUrl, "rita", Password, "/message-trace");
        await Page.Locator("#message-trace-page[data-interactive=true]").WaitForAsync();
        await Page.GetByRole(AriaRole.Tab, new() { Name = "Refused at SMTP" }).ClickAsync();
        var row = Page.Locator("#refusal-results tbody tr").Filter(new() { HasText = ClientAddress });
        await Expect(row).ToHaveCountAsync(1);
        await Expect(row.Locator("[data-testid=refusal-agent]")).ToHaveTextAsync("Connection filter: DNS block lists");
        await Expect(row.Locator("[data-testid=refusal-reason]")).ToContainTextAsync($"listed by {Zone} (127.0.0.2, weight 1: {ListingReason})");
        await Expect(row.Locator("[data-testid=refusal-helo]")).ToHaveTextAsync("HELO mail.fabrikam.test");
        await Expect(row.Locator("[data-testid=refusal-sender]")).ToHaveTextAsync("newsletter@fabrikam.test");
        await Expect(row.Locator("[data-testid=refusal-reply]")).ToContainTextAsync("550 5.7.1 Service unavailable; client [127.0.0.7] blocked using bl.test");
        await Expect(row.Locator("[data-testid=refusal-protocol-log]")).ToHaveAttributeAsync("href", new System.Text.RegularExpressions.Regex("session="));
        // Let the tab's underline finish its move before the picture.
        await Page.Mouse.MoveAsync(0, 0);
        await Page.WaitForTimeoutAsync(500);
        await Page.ScreenshotAsync(new() { Path = Shot("1-trace-refused.png"), FullPage = true });

        // 3. On the connection filtering page the admin puts the address on the allow list.
        await Page.GotoAsync(server.BaseUrl + "/protection/connection-filtering");
        await Page.Locator("#connection-filtering-page[data-interactive=true]").WaitForAsync();
        // A MudSelect opens on mouse down on its combobox; the item is in a popover.
        await Page.Locator("#ip-entry-form .mud-select").First.Locator("[role=combobox]").ClickAsync();
        await Page.Locator(".mud-popover-open .mud-list-item").Filter(new() { HasText = "Allow list" }).ClickAsync();
        await Expect(Page.Locator(".mud-popover-open .mud-list-item")).ToHaveCountAsync(0);
        await Page.FillAsync("#ip-range-input", ClientAddress);
        await Page.FillAsync("#ip-comment-input", "Fabrikam newsletter, delisting requested");
        await Page.Locator("#ip-comment-input").BlurAsync();
        // The fields' labels float once the circuit has the values.
        await Page.WaitForTimeoutAsync(500);
        await Page.ScreenshotAsync(new() { Path = Shot("2-allow-list-form.png"), FullPage = true });
        await Page.ClickAsync("#add-ip-entry");
        var entry = Page.Locator("#ip-lists tbody tr").Filter(new() { HasText = ClientAddress });
        await Expect(entry.Locator("[data-testid=ip-list]")).ToContainTextAsync("Allow");
        await Page.ScreenshotAsync(new() { Path = Shot("3-allow-list-saved.png"), FullPage = true });
        Assert.Contains(await server.Get<IpListService>().ListAsync(), e => e.List == IpListKind.Allow && e.Range.StartsWith(ClientAddress, StringComparison.Ordinal));
        await server.WaitForLatestGenerationAsync();

        // 4. The next message from the same client is accepted and delivered to Alice's mailbox.
        Assert.StartsWith("2.6.0", await SendFromListedAddressAsync("December newsletter, again"));
        await Page.GotoAsync(server.BaseUrl + "/message-trace");
        await Page.Locator("#message-trace-page[data-interactive=true]").WaitForAsync();
        await Page.FillAsync("#trace-sender", "newsletter@fabrikam.test");
        var delivered = Page.Locator("#trace-results [data-testid=trace-outcome-chip][data-outcome=Delivered]");
        for (var attempt = 0; attempt < 30 && await delivered.CountAsync() == 0; attempt++)
        {
            await Page.ClickAsync("#trace-search");
            await Page.WaitForTimeoutAsync(1000);
        }
        await Expect(delivered).ToHaveCountAsync(1);
        // One message found: the page opens its recipients and timeline at once.
        await Expect(Page.Locator("[data-testid=trace-recipient][data-outcome=Delivered]")).ToContainTextAsync("alice@contoso.test");
        await Page.ScreenshotAsync(new() { Path = Shot("4-trace-delivered.png"), FullPage = true });
    }
}
