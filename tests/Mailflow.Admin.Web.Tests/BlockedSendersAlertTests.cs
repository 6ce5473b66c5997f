using Mailflow.Admin.Web.Components.Pages;
using Mailflow.Admin.Web.Components.Pages.Protection;
using Mailflow.Auditing;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

/// <summary>The overview's alert for a sender the rate limits blocked: it names the user and why, and leads to the one-click unblock.</summary>
public sealed class BlockedSendersAlertTests : MudBunitContext
{
    private static readonly DateTimeOffset T0 = new(2026, 12, 7, 12, 0, 0, TimeSpan.Zero);

    private BlockedSenderService Blocked => Services.GetRequiredService<BlockedSenderService>();

    [Fact]
    public async Task BlockedUser_IsNamedOnTheOverview_WithALinkToItsUnblock_AndTheBlockIsAudited()
    {
        SignInAs("alice", AdminRoles.ViewOnly);
        var alert = Render<BlockedSendersAlert>(p => p.Add(a => a.At, T0));
        alert.WaitForAssertion(() => Assert.Empty(alert.FindAll("#dashboard-blocked-senders")), WaitTimeout);

        // The rate limit's "block the user" stop, as the engine calls it.
        await Blocked.BlockAsync("Bob@Contoso.test", "Recipients per sender per hour: 500");
        alert.Render(p => p.Add(a => a.At, T0.AddSeconds(10)));

        alert.WaitForAssertion(() =>
        {
            var item = alert.Find("#dashboard-blocked-senders li.blocked-sender-alert[data-sender='bob@contoso.test']");
            Assert.Contains("bob@contoso.test — Recipients per sender per hour: 500", item.TextContent);
            Assert.Equal("/protection/rate-limits?sender=bob%40contoso.test#blocked-senders", item.QuerySelector("a.unblock-link")!.GetAttribute("href"));
            Assert.Contains("A sender is blocked from sending", alert.Find("#dashboard-blocked-senders").TextContent);
        }, WaitTimeout);
        await using (var db = await Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync())
            Assert.Contains(await db.AuditEntries.AsNoTracking().ToListAsync(),
                a => a.Actor == BlockedSenderService.RateLimitActor.Name && a.Action == AuditAction.Create && a.ObjectName == "bob@contoso.test");

        // The link opens the rate limits page with that sender's row picked out and its Unblock button.
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var navigation = Services.GetRequiredService<NavigationManager>();
        navigation.NavigateTo(navigation.GetUriWithQueryParameter("sender", "bob@contoso.test"));
        var page = Render<RateLimits>();
        page.WaitForAssertion(() => Assert.Contains("mud-selected-item", page.Find("tr.blocked-sender[data-sender='bob@contoso.test']").ClassName), WaitTimeout);
        page.Find("tr.blocked-sender[data-sender='bob@contoso.test'] button.unblock").Click();
        page.WaitForAssertion(() => page.Find("#no-blocked-senders"), WaitTimeout);

        alert.Render(p => p.Add(a => a.At, T0.AddSeconds(20)));
        alert.WaitForAssertion(() => Assert.Empty(alert.FindAll("#dashboard-blocked-senders")), WaitTimeout);
    }
}
