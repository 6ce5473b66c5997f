using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class AddressRewritingPageTests : MudBunitContext
{
    private AddressRewriteService Rewrites => Services.GetRequiredService<AddressRewriteService>();

    private IRenderedComponent<AddressRewriting> RenderPage()
    {
        var page = Render<AddressRewriting>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")), WaitTimeout);
        return page;
    }

    [Fact]
    public async Task Add_SavesTheEntryWithItsExceptions_AndListsIt()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        page.Find("#rewrite-name-input").Input("Corp");
        page.Find("#rewrite-internal-input").Input("Corp.Contoso.com");
        page.Find("#rewrite-external-input").Input("contoso.com");
        page.Find("#rewrite-exceptions-input").Input("ceo@corp.contoso.com, CFO@corp.contoso.com");
        page.Find("#save-rewrite").Click();

        await page.WaitForAssertionAsync(async () =>
        {
            var entry = Assert.Single(await Rewrites.ListAsync());
            Assert.Equal(("Corp", "corp.contoso.com", "contoso.com"), (entry.Name, entry.InternalAddress, entry.ExternalAddress));
            Assert.Equal(["ceo@corp.contoso.com", "cfo@corp.contoso.com"], entry.ExceptionList);
        }, WaitTimeout);
        page.WaitForAssertion(() => Assert.Equal("corp.contoso.com", page.Find("[data-testid=rewrite-internal]").TextContent), WaitTimeout);
    }

    [Fact]
    public void Add_WithBadInput_ShowsEachMessageNextToItsField()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        page.Find("#rewrite-name-input").Input("Everything");
        page.Find("#rewrite-internal-input").Input("*.contoso.com");
        page.Find("#rewrite-external-input").Input("kim@contoso.com");
        page.Find("#rewrite-exceptions-input").Input("fabrikam.com");
        page.Find("#save-rewrite").Click();

        page.WaitForAssertion(() =>
        {
            var errors = page.FindAll("#rewrite-form .mud-input-error").Select(e => e.TextContent).ToList();
            Assert.Contains(errors, e => e.Contains("rewrite it to one domain"));
            Assert.Contains(errors, e => e.Contains("fabrikam.com is not under *.contoso.com"));
            Assert.Contains("tick 'outbound only'", page.Find("#rewrite-outbound-only-error").TextContent);
        }, WaitTimeout);
        Assert.Empty(page.FindAll("#rewrites"));
    }

    [Fact]
    public async Task Edit_ChangesTheStoredEntry_AndRemoveTakesItAway()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        await Rewrites.CreateAsync(AdminActor.System, new AddressRewriteEntry { Name = "Kim", InternalAddress = "kim@corp.contoso.com", ExternalAddress = "kim@contoso.com" });
        RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid='edit-Kim']").Click();
        page.WaitForAssertion(() => Assert.Equal("kim@corp.contoso.com", page.Find("#rewrite-internal-input").GetAttribute("value")), WaitTimeout);
        page.Find("#rewrite-external-input").Input("kim.lee@contoso.com");
        page.Find("#save-rewrite").Click();
        await page.WaitForAssertionAsync(async () => Assert.Equal("kim.lee@contoso.com", Assert.Single(await Rewrites.ListAsync()).ExternalAddress), WaitTimeout);

        page.WaitForAssertion(() => Assert.NotNull(page.Find("[data-testid='remove-Kim']")), WaitTimeout);
        page.Find("[data-testid='remove-Kim']").Click();
        await page.WaitForAssertionAsync(async () => Assert.Empty(await Rewrites.ListAsync()), WaitTimeout);
        page.WaitForAssertion(() => Assert.NotNull(page.Find("#rewrites-empty")), WaitTimeout);
    }

    [Fact]
    public async Task Page_WhenSignedInAsViewOnly_ShowsTheEntriesWithoutEditing()
    {
        await Rewrites.CreateAsync(AdminActor.System, new AddressRewriteEntry { Name = "Corp", InternalAddress = "corp.contoso.com", ExternalAddress = "contoso.com" });
        SignInAs("victor", AdminRoles.ViewOnly);

        var page = RenderPage();

        Assert.NotNull(page.Find("#read-only-notice"));
        Assert.Empty(page.FindAll("#save-rewrite"));
        Assert.Equal("contoso.com", page.Find("[data-testid=rewrite-external]").TextContent);
    }
}
