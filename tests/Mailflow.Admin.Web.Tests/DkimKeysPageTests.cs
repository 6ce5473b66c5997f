using Mailflow.Admin.Web.Components.Pages.Settings;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class DkimKeysPageTests : MudBunitContext
{
    private IRenderedComponent<DkimKeysPage> RenderPage()
    {
        var page = Render<DkimKeysPage>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")), WaitTimeout);
        return page;
    }

    [Fact]
    public async Task Generate_lists_the_key_with_the_txt_record_to_publish_and_signing_off()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var page = RenderPage();
        Assert.NotEmpty(page.FindAll("#dkim-keys-empty"));

        page.Find("#dkim-selector").Input("mf2026a");
        page.Find("#dkim-generate").Click();

        page.WaitForAssertion(() => Assert.Single(page.FindAll("#dkim-keys tbody tr")), WaitTimeout);
        var domain = (await Services.GetRequiredService<DkimKeyService>().ListAsync()).Single().Domain;
        Assert.Equal($"mf2026a._domainkey.{domain}", page.Find("[data-testid=dkim-record]").TextContent.Trim());
        Assert.StartsWith("v=DKIM1; k=rsa; p=MIIBIjAN", page.Find("[data-testid=dkim-txt]").TextContent.Trim());
        Assert.Contains("Off", page.Find("[data-testid=dkim-signing]").TextContent);
    }

    [Fact]
    public void Invalid_selector_is_refused_next_to_the_field()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var page = RenderPage();
        page.Find("#dkim-selector").Input("not a selector!");
        page.Find("#dkim-generate").Click();
        page.WaitForAssertion(() => Assert.Contains("A selector is one or more DNS labels", page.Find("#generate-key").TextContent), WaitTimeout);
        Assert.NotEmpty(page.FindAll("#dkim-keys-empty"));
    }

    [Fact]
    public void View_only_sees_the_keys_but_cannot_generate()
    {
        SignInAs("victor", AdminRoles.ViewOnly);
        var page = RenderPage();
        Assert.Empty(page.FindAll("#generate-key"));
        Assert.NotEmpty(page.FindAll("#read-only-notice"));
    }
}
