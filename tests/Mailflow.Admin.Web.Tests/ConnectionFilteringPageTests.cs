using Mailflow.Admin.Web.Components.Pages.Protection;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class ConnectionFilteringPageTests : MudBunitContext
{
    private IpListService IpLists => Services.GetRequiredService<IpListService>();
    private ProtectionSettingsService Settings => Services.GetRequiredService<ProtectionSettingsService>();

    private IRenderedComponent<ConnectionFiltering> RenderPage()
    {
        var page = Render<ConnectionFiltering>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")), WaitTimeout);
        return page;
    }

    [Fact]
    public async Task AddToAllowList_SavesTheEntryAndListsIt()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        page.Find("#ip-range-input").Input("203.0.113.0/24");
        page.Find("#ip-comment-input").Change("partner relay");
        page.Find("#ip-expiry-input").Change("30");
        page.Find("#add-ip-entry").Click();

        await page.WaitForAssertionAsync(async () =>
        {
            var entry = Assert.Single(await IpLists.ListAsync());
            Assert.Equal(IpListKind.Allow, entry.List);
            Assert.Equal("203.0.113.0/24", entry.Range);
            Assert.Equal("partner relay", entry.Comment);
            Assert.NotNull(entry.ExpiresAt);
        }, WaitTimeout);
        page.WaitForAssertion(() => Assert.Equal("203.0.113.0/24", page.Find("[data-testid=ip-range]").TextContent), WaitTimeout);
    }

    [Fact]
    public void AddWithABadRange_ShowsTheMessageNextToTheField()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        page.Find("#ip-range-input").Input("203.0.113.0/40");
        page.Find("#add-ip-entry").Click();

        page.WaitForAssertion(() => Assert.Contains("is not a valid CIDR range", page.Find("#ip-entry-form .mud-input-error").TextContent), WaitTimeout);
        Assert.Empty(page.FindAll("#ip-lists"));
    }

    [Fact]
    public async Task RemoveButton_TakesTheEntryOffTheList()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        await IpLists.CreateAsync(AdminActor.System, new IpListEntry { List = IpListKind.Block, Range = "198.51.100.7", Comment = "abuse" });
        RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid='remove-Block-198.51.100.7']").Click();

        await page.WaitForAssertionAsync(async () => Assert.Empty(await IpLists.ListAsync()), WaitTimeout);
        page.WaitForAssertion(() => Assert.NotNull(page.Find("#ip-lists-empty")), WaitTimeout);
    }

    [Fact]
    public async Task DnsBlockLists_AddZoneAndSave_StoresTheZone_AndABadZoneIsShownInline()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        page.Find("#add-zone").Click();
        page.WaitForAssertion(() => Assert.NotNull(page.Find("#dnsbl-zones tbody tr input")), WaitTimeout);
        page.Find("#dnsbl-zones tbody tr input").Change("not a zone!");
        page.Find("#save-dnsbl").Click();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("#dnsbl-zones .mud-input-error")), WaitTimeout);

        page.Find("#dnsbl-zones tbody tr input").Change("Zen.Example");
        page.Find("#save-dnsbl").Click();

        await page.WaitForAssertionAsync(async () =>
            Assert.Equal("zen.example", Assert.Single((await Settings.GetAsync()).ConnectionFilter.Zones).Zone), WaitTimeout);
    }

    [Fact]
    public async Task Page_WhenSignedInAsViewOnly_ShowsTheListsWithoutEditing()
    {
        await IpLists.CreateAsync(AdminActor.System, new IpListEntry { List = IpListKind.Allow, Range = "192.0.2.1" });
        SignInAs("victor", AdminRoles.ViewOnly);

        var page = RenderPage();

        Assert.NotNull(page.Find("#read-only-notice"));
        Assert.Empty(page.FindAll("#add-ip-entry"));
        Assert.Empty(page.FindAll("#save-dnsbl"));
        Assert.Equal("192.0.2.1", page.Find("[data-testid=ip-range]").TextContent);
    }
}
