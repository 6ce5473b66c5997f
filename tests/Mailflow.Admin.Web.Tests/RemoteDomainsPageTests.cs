using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class RemoteDomainsPageTests : MudBunitContext
{
    private RemoteDomainService Domains => Services.GetRequiredService<RemoteDomainService>();

    private IRenderedComponent<RemoteDomains> RenderPage()
    {
        var page = Render<RemoteDomains>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")), WaitTimeout);
        return page;
    }

    /// <summary>A check box's input, whether MudBlazor puts the id on the input or on its root.</summary>
    private static AngleSharp.Dom.IElement Box(IRenderedComponent<RemoteDomains> page, string id) =>
        page.FindAll($"#{id} input[type=checkbox], input#{id}")[0];

    [Fact]
    public async Task Add_SavesTheDomainWithWhatItRefuses_AndListsItNextToTheDefault()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();
        // The default entry is listed with its chip ("*" then "Default").
        Assert.Contains(page.FindAll("[data-testid=remote-domain-domain]"), d => d.TextContent.Trim().StartsWith("*Default", StringComparison.Ordinal));
        Assert.Empty(page.FindAll("[data-testid='remove-*']"));

        page.Find("#remote-domain-name-input").Input("Fabrikam");
        page.Find("#remote-domain-domain-input").Input("Fabrikam.COM");
        page.Find("#remote-domain-charset-input").Input("ISO-8859-1");
        page.Find("#remote-domain-line-wrap-input").Input("78");
        Box(page, "remote-domain-auto-replies").Change(false);
        Box(page, "remote-domain-ndrs").Change(false);
        page.Find("#save-remote-domain").Click();

        await page.WaitForAssertionAsync(async () =>
        {
            var entry = Assert.Single(await Domains.ListAsync(), d => !d.IsDefault);
            Assert.Equal(("Fabrikam", "fabrikam.com", "iso-8859-1", 78), (entry.Name, entry.DomainName, entry.CharacterSet, entry.LineWrapSize!.Value));
            Assert.Equal((false, true, true, false), (entry.AllowAutomaticReplies, entry.AllowAutomaticForwards, entry.AllowDeliveryReports, entry.AllowNonDeliveryReports));
        }, WaitTimeout);
        page.WaitForAssertion(() => Assert.Contains("automatic replies, NDRs", page.FindAll("[data-testid=remote-domain-refused]").Select(c => c.TextContent)), WaitTimeout);
    }

    [Fact]
    public void Add_WithBadInput_ShowsEachMessageNextToItsField()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        page.Find("#remote-domain-name-input").Input("Kim");
        page.Find("#remote-domain-domain-input").Input("kim@fabrikam.com");
        page.Find("#remote-domain-charset-input").Input("klingon-8");
        page.Find("#remote-domain-line-wrap-input").Input("5");
        page.Find("#save-remote-domain").Click();

        page.WaitForAssertion(() =>
        {
            var errors = page.FindAll("#remote-domain-form .mud-input-error").Select(e => e.TextContent).ToList();
            Assert.Contains(errors, e => e.Contains("kim@fabrikam.com is an address: enter its domain (fabrikam.com)"));
            Assert.Contains(errors, e => e.Contains("'klingon-8' is not a character set Mailflow knows"));
            Assert.Contains(errors, e => e.Contains("Enter a length from 30 to 998 characters"));
        }, WaitTimeout);

        page.Find("#remote-domain-line-wrap-input").Input("wide");
        page.Find("#save-remote-domain").Click();
        page.WaitForAssertion(() => Assert.Contains(page.FindAll("#remote-domain-form .mud-input-error"), e => e.TextContent.Contains("Enter a number of characters")), WaitTimeout);
    }

    [Fact]
    public async Task EditingTheDefault_RefusesATrustedPartnerNextToTheBox_AndSavesItsSettings()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid='edit-*']").Click();
        page.WaitForAssertion(() => Assert.True(page.Find("#remote-domain-domain-input").HasAttribute("disabled")), WaitTimeout);
        Box(page, "remote-domain-trusted").Change(true);
        page.Find("#save-remote-domain").Click();
        page.WaitForAssertion(() => Assert.Contains("would put the whole Internet inside the organization", page.Find("#remote-domain-trusted-error").TextContent), WaitTimeout);

        Box(page, "remote-domain-trusted").Change(false);
        Box(page, "remote-domain-delivery-reports").Change(false);
        page.Find("#save-remote-domain").Click();
        await page.WaitForAssertionAsync(async () => Assert.False(Assert.Single(await Domains.ListAsync()).AllowDeliveryReports), WaitTimeout);
        await Assert.ThrowsAsync<ConfigurationValidationException>(() => Domains.DeleteAsync(AdminActor.System, RemoteDomain.DefaultId));
    }

    [Fact]
    public async Task Page_WhenSignedInAsViewOnly_ShowsTheEntriesWithoutEditing()
    {
        await Domains.CreateAsync(AdminActor.System, new RemoteDomain { Name = "Partner", DomainName = "partner.com", TrustedPartner = true });
        SignInAs("victor", AdminRoles.ViewOnly);

        var page = RenderPage();

        Assert.NotNull(page.Find("#read-only-notice"));
        Assert.Empty(page.FindAll("#save-remote-domain"));
        Assert.Contains("partner.com", page.FindAll("[data-testid=remote-domain-domain]").Select(d => d.TextContent));
    }
}
