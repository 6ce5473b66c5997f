using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class SendConnectorsPageTests : MudBunitContext
{
    private const string SmartHostPassword = "Provider-Secret-Value-77";

    private SendConnectorService Connectors => Services.GetRequiredService<SendConnectorService>();

    private IRenderedComponent<SendConnectors> RenderPage()
    {
        var page = Render<SendConnectors>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")), WaitTimeout);
        return page;
    }

    private Task<SendConnector> CreateProviderAsync() => Connectors.CreateAsync(AdminActor.System, new SendConnector
    {
        Name = "Provider",
        AddressSpaces = [new AddressSpace("*", 5)],
        RoutingMethod = SendRoutingMethod.SmartHost,
        SmartHosts = ["smtp.provider.test:587"],
        SmartHostAuthentication = SmartHostAuthentication.Basic,
        SmartHostUsername = "relay-user",
        TlsPolicy = OutboundTlsPolicy.RequiredWithCertificateValidation,
    }, SmartHostPassword);

    [Fact]
    public async Task EditDialog_WhenAPasswordIsStored_ShowsStoredButNeverTheValue()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var stored = await CreateProviderAsync();
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid=edit-Provider]").Click();
        dialogs.WaitForElement("#sc-password-stored", WaitTimeout);

        Assert.Contains("Password stored", dialogs.Find("#sc-password-stored").TextContent);
        Assert.DoesNotContain(SmartHostPassword, dialogs.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain(stored.SmartHostPasswordProtected!, dialogs.Markup, StringComparison.Ordinal);
        Assert.DoesNotContain(SmartHostPassword, page.Markup, StringComparison.Ordinal);

        // Changing shows an empty field, not the old value.
        dialogs.Find("#sc-change-password").Click();
        var field = dialogs.WaitForElement("#sc-password", WaitTimeout);
        Assert.Equal("password", field.GetAttribute("type"));
        Assert.True(string.IsNullOrEmpty(field.GetAttribute("value")));
        Assert.DoesNotContain(SmartHostPassword, dialogs.Markup, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SaveWithoutChangingThePassword_KeepsTheStoredPassword()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var stored = await CreateProviderAsync();
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid=edit-Provider]").Click();
        dialogs.WaitForElement("#sc-port", WaitTimeout).Input("2525");
        dialogs.Find("#sc-save").Click();

        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("#send-connector-dialog")), WaitTimeout);
        var saved = await Connectors.GetAsync(stored.Id);
        Assert.Equal(2525, saved!.Port);
        Assert.Equal(SmartHostPassword, Services.GetRequiredService<SmartHostPasswordProtector>().Unprotect(saved));
    }

    [Fact]
    public async Task SmartHosts_WhenTheLastOneIsRemoved_ShowsTheRequiredMessageNextToTheList()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        await CreateProviderAsync();
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid=edit-Provider]").Click();
        dialogs.WaitForElement("[data-testid=sc-smart-hosts] .mud-chip-close-button", WaitTimeout).Click();

        dialogs.WaitForAssertion(() =>
            Assert.Contains("Add at least one smart host", dialogs.Find("[data-testid=sc-smart-hosts-error]").TextContent), WaitTimeout);
        dialogs.Find("#sc-save").Click();
        Assert.NotEmpty(dialogs.FindAll("#send-connector-dialog"));
    }

    [Fact]
    public void AddressSpaceField_WhenDomainIsInvalid_ShowsThePerItemMessage()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("#add-send-connector").Click();
        dialogs.WaitForElement("#sc-space-input", WaitTimeout).Input("bad domain");

        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("[data-testid=sc-space-field] .mud-input-error")), WaitTimeout);
    }

    [Fact]
    public async Task Page_WhenSignedInAsViewOnly_HidesAddEditAndRemove()
    {
        SignInAs("victor", AdminRoles.ViewOnly);
        await CreateProviderAsync();

        var page = RenderPage();

        Assert.Contains("Provider", page.Find("#send-connectors").TextContent);
        Assert.Empty(page.FindAll("#add-send-connector"));
        Assert.Empty(page.FindAll("[data-testid^=edit-]"));
        Assert.Empty(page.FindAll("[data-testid^=remove-]"));
    }
}
