using Mailflow.Admin.Web.Components.Pages.Protection;
using Mailflow.Auditing;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Mailflow.Security;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class RateLimitsPageTests : MudBunitContext
{
    private ProtectionSettingsService Settings => Services.GetRequiredService<ProtectionSettingsService>();
    private BlockedSenderService Blocked => Services.GetRequiredService<BlockedSenderService>();
    private RateLimitCounters Counters => Services.GetRequiredService<RateLimitCounters>();

    private IRenderedComponent<RateLimits> RenderPage()
    {
        var page = Render<RateLimits>();
        page.WaitForAssertion(() => page.Find("#rate-limit-settings"), WaitTimeout);
        return page;
    }

    [Fact]
    public async Task BlockedSender_IsListedWithWhy_AndOneClickUnblocksIt_Audited()
    {
        await Blocked.BlockAsync("bob@contoso.test", "Recipients per sender per hour: 100");
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        var row = page.Find("tr.blocked-sender[data-sender='bob@contoso.test']");
        Assert.Contains("Recipients per sender per hour: 100", row.TextContent);
        row.QuerySelector("button.unblock")!.Click();

        page.WaitForAssertion(() => page.Find("#no-blocked-senders"), WaitTimeout);
        Assert.Empty(await Blocked.ListAsync());
        await using var db = await Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        Assert.Contains(await db.AuditEntries.AsNoTracking().ToListAsync(), a => a.Actor == "alice" && a.Action == AuditAction.Delete && a.ObjectName == "bob@contoso.test");
    }

    [Fact]
    public void ThrottledKey_ShowsUsedStateAndTimes_AndResetClearsIt()
    {
        Counters.TryTake(RateLimitKind.MessagesPerIp, 2, "192.0.2.7");
        Counters.TryTake(RateLimitKind.MessagesPerIp, 2, "192.0.2.7");
        Counters.TryTake(RateLimitKind.SenderMessagesPerDay, 100, "carol@contoso.test");
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        var throttled = page.Find("tr.rate-counter[data-key='192.0.2.7']");
        Assert.Contains("throttled", throttled.ClassName);
        Assert.Contains("Messages per client address per minute", throttled.TextContent);
        Assert.Contains("2 of 2", throttled.TextContent);
        Assert.Contains("30 s", throttled.TextContent); // one more after a minute ÷ 2
        var counted = page.Find("tr.rate-counter[data-key='carol@contoso.test']");
        Assert.Contains("Under the limit", counted.TextContent);
        Assert.Contains("1 of 100", counted.TextContent);

        throttled.QuerySelector("button.reset-counter")!.Click();

        page.WaitForAssertion(() => Assert.Empty(page.FindAll("tr.rate-counter[data-key='192.0.2.7']")), WaitTimeout);
        Assert.True(Counters.HasRoom(RateLimitKind.MessagesPerIp, 2, "192.0.2.7"));
    }

    [Fact]
    public async Task Save_StoresLimits_AndRefusesZeroNextToTheField()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        page.Find("#limit-SenderRecipientsPerDay").Change("0");
        page.Find("#rate-limits-save").Click();
        page.WaitForAssertion(() => Assert.Contains("Enter a number from 1 to", page.Find("#rate-limit-settings .mud-input-error").TextContent), WaitTimeout);
        Assert.Null((await Settings.GetAsync()).RateLimits.SenderRecipientsPerDay);

        page.Find("#limit-SenderRecipientsPerDay").Change("1000");
        page.Find("#block-sender").Change(true);
        page.Find("#rate-limits-save").Click();
        await page.WaitForAssertionAsync(async () =>
        {
            var saved = (await Settings.GetAsync()).RateLimits;
            Assert.Equal(1000, saved.SenderRecipientsPerDay);
            Assert.True(saved.BlockSenderWhenLimitReached);
        }, WaitTimeout);
    }

    [Fact]
    public async Task ViewOnlyAdmin_SeesBlockedSendersButNoUnblockOrReset()
    {
        await Blocked.BlockAsync("bob@contoso.test", "Messages per sender per minute: 10");
        Counters.TryTake(RateLimitKind.ConnectionsPerIp, 5, "198.51.100.3");
        SignInAs("viewer", AdminRoles.ViewOnly);
        RenderProviders();
        var page = RenderPage();

        page.Find("#read-only-notice");
        page.Find("tr.blocked-sender[data-sender='bob@contoso.test']");
        Assert.Empty(page.FindAll("button.unblock"));
        Assert.Empty(page.FindAll("button.reset-counter"));
        Assert.Empty(page.FindAll("#rate-limits-save"));
    }
}
