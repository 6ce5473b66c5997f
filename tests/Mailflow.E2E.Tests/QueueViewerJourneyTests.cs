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
/// The stuck-message journey: a next hop answers 451, the admin finds the message in the queue viewer
/// with its last error, fixes the next hop, presses Retry, sees it delivered and the queue empty, then
/// traces the message. Also visits the dashboard and the protocol logs, with screenshots of each page.
/// </summary>
public sealed class QueueViewerJourneyTests(MailflowSmtpServerFixture server, Xunit.Abstractions.ITestOutputHelper output)
    : BrowserJourney(output), IClassFixture<MailflowSmtpServerFixture>
{
    private const string NewPassword = "correct horse battery staple";
    private const string TempFailure = "451 4.3.0 Smart host is busy, try later";
    private static readonly AdminActor Admin = AdminActor.System;

    [Fact]
    public async Task StuckMessage_WhenNextHopIsFixedAndRetried_IsDeliveredAndTraced()
    {
        var remote = LoopbackSmtpServer.Start(new LoopbackSmtpScript { RcptReply = (_, _) => TempFailure });
        await using (remote)
        {
            try
            {
                await WalkAsync(remote);
            }
            catch
            {
                await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("failure-queue-journey.png"), FullPage = true });
                Output.WriteLine($"Failed at {Page.Url}:\n{await Page.ContentAsync()}");
                throw;
            }
        }
    }

    private async Task WalkAsync(LoopbackSmtpServer remote)
    {
        // A mailbox that may submit, and every external domain routed to the loopback smart host.
        var recipients = server.Get<RecipientService>();
        var bob = await recipients.CreateAsync(Admin, new Recipient { Kind = RecipientKind.Mailbox, DisplayName = "Bob", PrimaryAddress = "bob@contoso.test" });
        await recipients.SetSubmissionPasswordAsync(Admin, bob.Id, bob.Revision, "bobs-submission-pass");
        await server.Get<SendConnectorService>().CreateAsync(Admin, new SendConnector
        {
            Name = "Outbound via smart host",
            AddressSpaces = [new AddressSpace("*")],
            RoutingMethod = SendRoutingMethod.SmartHost,
            SmartHosts = [$"127.0.0.1:{remote.Port}"],
        });
        // Protocol logging on the submission connector, so the protocol log page has a transcript to show.
        var connectors = server.Get<ReceiveConnectorService>();
        var clientFrontend = (await connectors.ListAsync()).Single(c => c.Name == "Client Frontend");
        clientFrontend.ProtocolLogging = ProtocolLoggingLevel.Verbose;
        await connectors.UpdateAsync(Admin, clientFrontend);
        await server.WaitForLatestGenerationAsync();

        using (var client = new SmtpClient { ServerCertificateValidationCallback = (_, _, _, _) => true, Timeout = 15_000 })
        {
            await client.ConnectAsync("127.0.0.1", server.PortOf("Client Frontend"), SecureSocketOptions.StartTls);
            await client.AuthenticateAsync("bob@contoso.test", "bobs-submission-pass");
            await client.SendAsync(new MimeMessage
            {
                From = { MailboxAddress.Parse("bob@contoso.test") },
                To = { MailboxAddress.Parse("carol@fabrikam.test") },
                Subject = "Stuck invoice",
                Body = new TextPart("plain") { Text = "<script>alert('x')</script> Please pay." },
            });
            await client.DisconnectAsync(true);
        }

        await SignInAsync();

        // The queue viewer shows the smart host's queue with the 451 (auto-refresh picks it up once delivery has tried).
        await Page.GotoAsync(server.BaseUrl + "/queues");
        await Page.Locator("#queues-page[data-interactive=true]").WaitForAsync();
        await Expect(Page.Locator("#queue-list [data-testid=queue-last-error]")).ToContainTextAsync("451 4.3.0", new() { Timeout = 60_000 });
        await Expect(Page.Locator("#queued-messages [data-testid=message-queue-id]")).ToHaveCountAsync(1, new() { Timeout = 30_000 });
        await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("ops-01-queues-stuck.png"), FullPage = true });
        var queueId = (await Page.Locator("#queued-messages [data-testid=message-queue-id]").InnerTextAsync()).Trim();

        // Details: envelope, the recipient's last reply, the body shown as text (the script is not run).
        await Page.ClickAsync("#queued-messages [data-testid=message-queue-id]");
        await Expect(Page.Locator("[data-testid=details-queue-id]")).ToHaveTextAsync(queueId);
        await Expect(Page.Locator("[data-testid=details-recipient-reply]")).ToContainTextAsync("451 4.3.0");
        await Page.GetByRole(AriaRole.Tab, new() { Name = "Headers and body" }).ClickAsync();
        await Expect(Page.Locator("#preview-text")).ToContainTextAsync("<script>alert('x')</script> Please pay.");
        await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("ops-02-message-details.png"), FullPage = true });
        await Page.ClickAsync("#details-close");

        // Fix the next hop, then Retry on its queue: delivered, and the queue empties.
        remote.Script.RcptReply = null;
        await Page.Locator("[data-testid^=retry-queue-]").First.ClickAsync();
        var delivered = Assert.Single(await remote.WaitForMessagesAsync(1, TimeSpan.FromSeconds(30)));
        Assert.Equal(["carol@fabrikam.test"], delivered.Recipients);
        await Expect(Page.Locator("#queues-empty")).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("ops-03-queues-empty.png"), FullPage = true });

        // Trace: the timeline shows the deferral with the remote reply and then the successful send.
        await Page.GotoAsync(server.BaseUrl + "/message-trace?id=" + Uri.EscapeDataString(queueId));
        await Page.Locator("#message-trace-page[data-interactive=true]").WaitForAsync();
        await Expect(Page.Locator("[data-testid=trace-queue-id]")).ToHaveTextAsync(queueId);
        var timeline = Page.Locator("[data-testid=tracking-timeline]");
        await Expect(timeline.Locator("[data-testid=timeline-event][data-kind=Receive]")).ToHaveCountAsync(1);
        await Expect(timeline.Locator("[data-testid=timeline-event][data-kind=Defer]").First).ToContainTextAsync("451");
        await Expect(timeline.Locator("[data-testid=timeline-event][data-kind=Send], [data-testid=timeline-event][data-kind=Deliver]").First).ToBeVisibleAsync();
        await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("ops-04-message-trace.png"), FullPage = true });

        // Dashboard: the message counts as received and delivered; this node is healthy.
        await Page.GotoAsync(server.BaseUrl + "/");
        await Page.Locator("#dashboard-page[data-interactive=true]").WaitForAsync();
        await Expect(Page.Locator("[data-testid=rates-totals]")).ToContainTextAsync("Received 1");
        await Expect(Page.Locator("[data-testid=node-health]").First).ToHaveTextAsync("Healthy");
        await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("ops-05-dashboard.png"), FullPage = true });

        // Protocol logs: the submission session is found by client IP and connector, and its transcript shows the conversation.
        await Page.GotoAsync(server.BaseUrl + "/protocol-logs");
        await Page.Locator("#protocol-logs-page[data-interactive=true]").WaitForAsync();
        await Page.FillAsync("#logs-client-ip", "127.0.0.1");
        await Page.FillAsync("#logs-connector", "Client Frontend");
        await Page.ClickAsync("#logs-search");
        await Expect(Page.Locator("#logs-sessions [data-testid=session-connector]").First).ToHaveTextAsync("Client Frontend");
        await Page.Locator("#logs-sessions [data-testid=session-start]").First.ClickAsync();
        await Expect(Page.Locator("[data-testid=transcript]")).ToContainTextAsync("EHLO");
        await Expect(Page.Locator("[data-testid=transcript]")).ToContainTextAsync("MAIL FROM:<bob@contoso.test>");
        Assert.DoesNotContain("bobs-submission-pass", await Page.Locator("[data-testid=transcript]").InnerTextAsync());
        await Page.ScreenshotAsync(new() { Path = Browser.ScreenshotPath("ops-06-protocol-logs.png"), FullPage = true });
    }

    private async Task SignInAsync()
    {
        await Page.GotoAsync(server.BaseUrl + "/account/login");
        await Page.FillAsync("#login-username", "admin");
        await Page.FillAsync("#login-password", MailflowSmtpServerFixture.InitialPassword);
        await Page.ClickAsync("#login-submit");
        await Expect(Page).ToHaveURLAsync(new Regex("/account/change-password"));
        await Page.FillAsync("#current-password", MailflowSmtpServerFixture.InitialPassword);
        await Page.FillAsync("#new-password", NewPassword);
        await Page.FillAsync("#confirm-password", NewPassword);
        await Page.ClickAsync("#change-password-submit");
        await Page.Locator("#admin-layout[data-interactive=true]").WaitForAsync(new() { Timeout = 20_000 });
    }
}
