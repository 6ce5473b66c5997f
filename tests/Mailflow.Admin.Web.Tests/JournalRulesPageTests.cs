using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class JournalRulesPageTests : MudBunitContext
{
    private JournalRuleService Rules => Services.GetRequiredService<JournalRuleService>();

    private IRenderedComponent<JournalRules> RenderPage()
    {
        var page = Render<JournalRules>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")), WaitTimeout);
        return page;
    }

    [Fact]
    public async Task List_ShowsScopeRecipientAndAddresses_AndReadOnlyAdminsGetNoButtons()
    {
        await Rules.CreateAsync(AdminActor.System, new JournalRule { Name = "Team archive", Scope = JournalScope.External, Recipient = "team@contoso.test", JournalAddress = "vault@archive.example" });
        SignInAs("bob", AdminRoles.ViewOnly);

        var page = RenderPage();

        Assert.Equal("Team archive", page.Find("[data-testid=journal-rule-name]").TextContent.Trim());
        Assert.Equal("vault@archive.example", page.Find("[data-testid=journal-rule-address]").TextContent.Trim());
        Assert.Contains("team@contoso.test", page.Find("#journal-rules tbody tr").TextContent);
        Assert.Contains("dropped", page.Find("#journal-rules tbody tr").TextContent);
        Assert.Empty(page.FindAll("#add-journal-rule"));
        Assert.NotEmpty(page.FindAll("#read-only-notice"));
    }

    [Fact]
    public async Task AddDialog_ShowsTheErrorNextToTheAddress_ThenSavesTheRule()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();
        Assert.NotEmpty(page.FindAll("#journal-rules-empty"));

        page.Find("#add-journal-rule").Click();
        dialogs.WaitForElement("#journal-rule-name-input", WaitTimeout).Input("Everything");
        dialogs.Find("#journal-rule-address-input").Input("not an address");
        dialogs.WaitForAssertion(() => Assert.NotEmpty(dialogs.FindAll("[data-testid=journal-rule-address-field] .mud-input-error")), WaitTimeout);

        dialogs.Find("#journal-rule-address-input").Input("journal@contoso.test");
        dialogs.WaitForAssertion(() => Assert.Empty(dialogs.FindAll("[data-testid=journal-rule-address-field] .mud-input-error")), WaitTimeout);
        dialogs.Find("#journal-rule-save").Click();

        page.WaitForAssertion(() => Assert.Equal("Everything", page.Find("[data-testid=journal-rule-name]").TextContent.Trim()), WaitTimeout);
        var stored = Assert.Single(await Rules.ListAsync());
        Assert.Equal(("journal@contoso.test", JournalScope.Global, true), (stored.JournalAddress, stored.Scope, stored.Enabled));
    }
}
