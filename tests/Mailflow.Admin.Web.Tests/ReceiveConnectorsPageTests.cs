using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class ReceiveConnectorsPageTests : MudBunitContext
{
    private ReceiveConnectorService Connectors => Services.GetRequiredService<ReceiveConnectorService>();

    private IRenderedComponent<ReceiveConnectors> RenderPage()
    {
        var page = Render<ReceiveConnectors>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")), WaitTimeout);
        return page;
    }

    private static IReadOnlyList<string> ListedNames(IRenderedComponent<ReceiveConnectors> page) =>
        page.FindAll("#receive-connectors [data-testid=connector-name]").Select(c => c.TextContent.Trim()).ToList();

    [Fact]
    public void List_WhenDefaultsAreSeeded_ShowsEachConnectorWithBindingsAndNoSessionCountWithoutAnEngine()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);

        var page = RenderPage();

        Assert.Equal(["Client Frontend", "Client Implicit TLS", "Default Frontend"], ListedNames(page));
        Assert.All(page.FindAll("#receive-connectors [data-testid=connector-sessions]"), cell => Assert.Equal("–", cell.TextContent.Trim()));
        Assert.All(page.FindAll("#receive-connectors [data-testid=connector-bindings]"), cell => Assert.Matches(@":\d+", cell.TextContent));
    }

    [Fact]
    public void RangeField_WhenCidrPrefixIsTooLong_ShowsThePerItemMessageNextToTheField()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("#add-receive-connector").Click();
        dialogs.WaitForElement("#rc-range-input", WaitTimeout).Input("10.0.0.0/33");

        dialogs.WaitForAssertion(() =>
            Assert.Contains("10.0.0.0/33 is not a valid CIDR range", dialogs.Find("[data-testid=rc-range-field] .mud-input-helper-text").TextContent),
            WaitTimeout);
        dialogs.Find("#rc-add-range").Click();
        Assert.Empty(dialogs.FindAll("[data-testid=rc-ranges] .mud-chip"));
    }

    [Fact]
    public void PortField_WhenPortIsOutOfRange_ShowsTheServiceMessageNextToThePort()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("#add-receive-connector").Click();
        dialogs.WaitForElement("#rc-binding-port", WaitTimeout).Input("70000");

        dialogs.WaitForAssertion(() =>
            Assert.Contains("Port 70000 is out of range: use 1–65535.", dialogs.Find("[data-testid=rc-binding-port-field] .mud-input-helper-text").TextContent),
            WaitTimeout);
        dialogs.Find("#rc-add-binding").Click();
        Assert.Empty(dialogs.FindAll("[data-testid=rc-bindings] .mud-chip"));
    }

    [Fact]
    public async Task Create_WhenFormIsFilled_SavesBindingRangeAndGroupsThroughTheService()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("#add-receive-connector").Click();
        dialogs.WaitForElement("#rc-name-input", WaitTimeout).Input("Relay from apps");
        dialogs.Find("#rc-binding-address").Input("127.0.0.1");
        dialogs.Find("#rc-binding-port").Input("2526");
        dialogs.Find("#rc-add-binding").Click();
        dialogs.Find("#rc-range-input").Input("10.1.0.0/16");
        dialogs.Find("#rc-add-range").Click();
        dialogs.Find("[data-testid=group-TrustedRelayServers] input").Change(true);
        dialogs.Find("#rc-save").Click();

        page.WaitForAssertion(() => Assert.Contains("Relay from apps", ListedNames(page)), WaitTimeout);
        var saved = (await Connectors.ListAsync()).Single(c => c.Name == "Relay from apps");
        Assert.Equal([new IpBinding("127.0.0.1", 2526)], saved.Bindings);
        Assert.Equal(["10.1.0.0/16"], saved.RemoteIpRanges);
        Assert.Equal(ReceivePermissionGroups.AnonymousUsers | ReceivePermissionGroups.TrustedRelayServers, saved.PermissionGroups);
    }

    [Fact]
    public void Save_WhenNoBindingWasAdded_ShowsTheBindingsMessageAndKeepsTheDialogOpen()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("#add-receive-connector").Click();
        dialogs.WaitForElement("#rc-name-input", WaitTimeout).Input("No bindings");
        dialogs.Find("#rc-save").Click();

        dialogs.WaitForAssertion(() => Assert.Contains("Add at least one binding", dialogs.Find("[data-testid=rc-bindings-error]").TextContent), WaitTimeout);
        Assert.NotEmpty(dialogs.FindAll("#rc-name-input"));
    }

    [Fact]
    public void GroupCheckboxes_Always_ExplainTheRightsEachGroupGrants()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("#add-receive-connector").Click();
        var groups = dialogs.WaitForElement("[data-testid=rc-groups]", WaitTimeout).TextContent;

        Assert.Contains("relay to any domain, use any sender address", groups);
        Assert.Contains("send to accepted domains", groups);
    }

    [Fact]
    public void Page_WhenSignedInAsViewOnly_HidesAddEditCopyRemoveAndToggles()
    {
        SignInAs("victor", AdminRoles.ViewOnly);

        var page = RenderPage();

        Assert.Equal(3, ListedNames(page).Count);
        Assert.Empty(page.FindAll("#add-receive-connector"));
        Assert.Empty(page.FindAll("[data-testid^=edit-]"));
        Assert.Empty(page.FindAll("[data-testid^=remove-]"));
        Assert.Empty(page.FindAll("[data-testid^=copy-]"));
        Assert.Empty(page.FindAll("[data-testid^=toggle-]"));
        Assert.NotNull(page.Find("#read-only-notice"));
    }

    [Fact]
    public async Task Copy_WhenClicked_CreatesADisabledCopy()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid='copy-Default Frontend']").Click();

        page.WaitForAssertion(() => Assert.Contains("Copy of Default Frontend", ListedNames(page)), WaitTimeout);
        var copy = (await Connectors.ListAsync()).Single(c => c.Name == "Copy of Default Frontend");
        Assert.False(copy.Enabled);
    }
}
