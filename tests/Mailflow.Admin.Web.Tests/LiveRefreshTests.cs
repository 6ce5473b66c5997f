using Mailflow.Admin.Web.Components.Pages;
using Mailflow.Admin.Web.Components.Pages.History;
using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Admin.Web.Components.Pages.Recipients;
using Mailflow.Admin.Web.Components.Pages.Settings;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

/// <summary>
/// A page is open; another admin saves a change through the real configuration service; the node's refresh
/// loop loads the new generation; the page shows the change with no click, no reload.
/// </summary>
public sealed class LiveRefreshTests : MudBunitContext
{
    private static readonly AdminActor Bob = new("bob", new HashSet<string> { AdminRoles.OrganizationManagement });

    private T Service<T>() where T : notnull => Services.GetRequiredService<T>();

    /// <summary>Starts the refresh loop, then renders the page signed in as alice and waits until it has loaded.</summary>
    private async Task<IRenderedComponent<TPage>> OpenAsAliceAsync<TPage>() where TPage : IComponent
    {
        await StartConfigurationRefreshAsync();
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = Render<TPage>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")), WaitTimeout);
        return page;
    }

    /// <summary>The newest generation in the store (not the provider's, which is what the page is waiting for).</summary>
    private async Task<long> LatestSavedGenerationAsync() => (await Service<ConfigurationHistoryService>().ListAsync())[0].Number;

    private static IReadOnlyList<string> Texts<TPage>(IRenderedComponent<TPage> page, string selector) where TPage : IComponent =>
        [.. page.FindAll(selector).Select(e => e.TextContent.Trim())];

    [Fact]
    public async Task AcceptedDomains_ShowsTheDomainAndWhoseChangeItWas_When_AnotherAdminAddsOne()
    {
        var page = await OpenAsAliceAsync<AcceptedDomains>();

        await Service<AcceptedDomainService>().CreateAsync(Bob, new AcceptedDomain { DomainName = "contoso.test" });

        var generation = await LatestSavedGenerationAsync();
        page.WaitForAssertion(() => Assert.Contains("contoso.test", Texts(page, "[data-testid=domain-name]")), WaitTimeout);
        page.WaitForAssertion(() => Assert.Equal(generation.ToString(System.Globalization.CultureInfo.InvariantCulture),
            page.Find("#live-refresh-notice").GetAttribute("data-generation")), WaitTimeout);
        Assert.Contains($"generation {generation}", page.Find("#live-refresh-notice").TextContent);
    }

    [Fact]
    public async Task AcceptedDomains_ShowsTheDomainWithoutTheNotice_When_TheSameAdminAddsOneElsewhere()
    {
        var page = await OpenAsAliceAsync<AcceptedDomains>();
        var alice = new AdminActor("alice", new HashSet<string> { AdminRoles.OrganizationManagement });

        await Service<AcceptedDomainService>().CreateAsync(alice, new AcceptedDomain { DomainName = "own.test" });

        page.WaitForAssertion(() => Assert.Contains("own.test", Texts(page, "[data-testid=domain-name]")), WaitTimeout);
        Assert.Empty(page.FindAll("#live-refresh-notice"));
    }

    [Fact]
    public async Task ReceiveConnectors_RefreshesTheListBehindAnOpenEditDialogAndKeepsTheDraft_When_AnotherAdminAddsOne()
    {
        await StartConfigurationRefreshAsync();
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = Render<ReceiveConnectors>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")), WaitTimeout);
        page.Find("[data-testid='edit-Default Frontend']").Click();
        dialogs.WaitForElement("#rc-name-input", WaitTimeout).Input("Renamed while bob works");

        await Service<ReceiveConnectorService>().CreateAsync(Bob, new ReceiveConnector
        {
            Name = "Bob's relay",
            Bindings = [new IpBinding("127.0.0.1", 2599)],
            RemoteIpRanges = ["192.0.2.10"],
        });

        page.WaitForAssertion(() => Assert.Contains("Bob's relay", Texts(page, "#receive-connectors [data-testid=connector-name]")), WaitTimeout);
        Assert.Equal("Renamed while bob works", dialogs.Find("#rc-name-input").GetAttribute("value"));
    }

    [Fact]
    public async Task SendConnectors_ShowsTheConnector_When_AnotherAdminAddsOne()
    {
        var page = await OpenAsAliceAsync<SendConnectors>();

        await Service<SendConnectorService>().CreateAsync(Bob, new SendConnector { Name = "Internet", AddressSpaces = [new AddressSpace("*", 1)] }, null);

        page.WaitForAssertion(() => Assert.Contains("Internet", Texts(page, "#send-connectors [data-testid=connector-name]")), WaitTimeout);
    }

    [Fact]
    public async Task Rules_ShowsTheRule_When_AnotherAdminAddsOne()
    {
        var page = await OpenAsAliceAsync<Rules>();

        await Service<TransportRuleService>().CreateAsync(Bob, new TransportRule { Name = "Tag external", Definition = { Actions = [new RuleAction { Kind = "StopProcessing" }] } });

        page.WaitForAssertion(() => Assert.Contains("Tag external", Texts(page, "[data-testid=rule-name]")), WaitTimeout);
    }

    [Fact]
    public async Task Recipients_ShowsTheMailbox_When_AnotherAdminAddsOne()
    {
        var page = await OpenAsAliceAsync<RecipientsPage>();

        await Service<RecipientService>().CreateAsync(Bob, new Recipient { Kind = RecipientKind.MailContact, PrimaryAddress = "partner@mailflow.local", ExternalAddress = "partner@example.test" });

        page.WaitForAssertion(() => Assert.Contains(Texts(page, "[data-testid=recipient-address]"), a => a.StartsWith("partner@mailflow.local", StringComparison.Ordinal)), WaitTimeout);
    }

    [Fact]
    public async Task OrganizationSettings_ShowsTheNewValue_When_AnotherAdminSavesAndNothingWasEdited()
    {
        var page = await OpenAsAliceAsync<OrganizationSettingsPage>();
        var settings = await Service<OrganizationSettingsService>().GetAsync();
        settings.OrganizationName = "Contoso Mail";

        await Service<OrganizationSettingsService>().UpdateAsync(Bob, settings);

        page.WaitForAssertion(() => Assert.Equal("Contoso Mail", page.Find("#org-name").GetAttribute("value")), WaitTimeout);
        Assert.Empty(page.FindAll("#settings-changed-elsewhere"));
    }

    [Fact]
    public async Task OrganizationSettings_KeepsTheUnsavedDraftAndSaysSo_When_AnotherAdminSavesMeanwhile()
    {
        var page = await OpenAsAliceAsync<OrganizationSettingsPage>();
        page.Find("#org-name").Input("Alice's draft");
        var settings = await Service<OrganizationSettingsService>().GetAsync();
        settings.OrganizationName = "Bob's name";

        await Service<OrganizationSettingsService>().UpdateAsync(Bob, settings);

        page.WaitForElement("#settings-changed-elsewhere", WaitTimeout);
        Assert.Equal("Alice's draft", page.Find("#org-name").GetAttribute("value"));
        page.Find("#org-reset").Click();
        page.WaitForAssertion(() => Assert.Equal("Bob's name", page.Find("#org-name").GetAttribute("value")), WaitTimeout);
        Assert.Empty(page.FindAll("#settings-changed-elsewhere"));
    }

    [Fact]
    public async Task ConfigurationHistory_ShowsTheNewGeneration_When_AnotherAdminSavesAChange()
    {
        var page = await OpenAsAliceAsync<ConfigurationHistory>();
        var before = await LatestSavedGenerationAsync();
        Assert.Equal(before.ToString(System.Globalization.CultureInfo.InvariantCulture), Texts(page, "[data-testid=generation-number]")[0]);

        await Service<AcceptedDomainService>().CreateAsync(Bob, new AcceptedDomain { DomainName = "fabrikam.test" });

        var generation = await LatestSavedGenerationAsync();
        Assert.Equal(before + 1, generation);
        page.WaitForAssertion(() => Assert.Equal(generation.ToString(System.Globalization.CultureInfo.InvariantCulture),
            Texts(page, "[data-testid=generation-number]")[0]), WaitTimeout);
    }

    [Fact]
    public async Task AuditLog_ShowsTheEntryUnderTheCurrentFilter_When_AnotherAdminSavesAChange()
    {
        var page = await OpenAsAliceAsync<AuditLog>();
        page.Find("#audit-filter").Input("bob");
        page.WaitForElement("#audit-empty", WaitTimeout);

        await Service<AcceptedDomainService>().CreateAsync(Bob, new AcceptedDomain { DomainName = "northwind.test" });

        page.WaitForAssertion(() => Assert.Contains(Texts(page, "[data-testid=audit-object]"), o => o.Contains("northwind.test", StringComparison.Ordinal)), WaitTimeout);
        Assert.All(Texts(page, "[data-testid=audit-actor]"), actor => Assert.Equal("bob", actor));
    }
}
