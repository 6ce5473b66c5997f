using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class AcceptedDomainsPageTests : MudBunitContext
{
    private AcceptedDomainService Domains => Services.GetRequiredService<AcceptedDomainService>();

    private IRenderedComponent<AcceptedDomains> RenderPage()
    {
        var page = Render<AcceptedDomains>();
        page.WaitForAssertion(() => Assert.Empty(page.FindAll(".mud-progress-linear")), WaitTimeout);
        return page;
    }

    private static IReadOnlyList<string> ListedNames(IRenderedComponent<AcceptedDomains> page) =>
        page.FindAll("#accepted-domains [data-testid=domain-name]").Select(c => c.TextContent.Trim()).ToList();

    [Fact]
    public async Task List_WhenStoreHasDomains_ShowsNameTypeSubdomainsAndDefault()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        await Domains.CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "fabrikam.test", Type = AcceptedDomainType.InternalRelay, MatchSubdomains = true });

        var page = RenderPage();

        Assert.Equal(["fabrikam.test", "mailflow.local"], ListedNames(page));
        var rows = page.FindAll("#accepted-domains tbody tr");
        Assert.Contains("Internal relay", rows[0].QuerySelector("[data-testid=domain-type]")!.TextContent);
        Assert.Equal("Yes", rows[0].QuerySelector("[data-testid=domain-match-subdomains]")!.TextContent.Trim());
        Assert.Equal("", rows[0].QuerySelector("[data-testid=domain-default]")!.TextContent.Trim());
        Assert.Contains("Authoritative", rows[1].QuerySelector("[data-testid=domain-type]")!.TextContent);
        Assert.Contains("Default", rows[1].QuerySelector("[data-testid=domain-default]")!.TextContent);
        Assert.Equal("true", page.Find("#accepted-domains-page").GetAttribute("data-interactive"));
    }

    [Fact]
    public async Task Warning_WhenAConfigurationFileAppliedAtEveryStartOwnsAcceptedDomains_SaysEditsAreOverwritten()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        Assert.Empty(RenderPage().FindAll("#config-file-owned"));

        await using (var db = await Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync())
        {
            // What the start-up seeder records after applying Mailflow:ConfigFile in Always mode.
            db.ConfigurationFileRecords.Add(new ConfigurationFileRecord
            {
                AppliedAt = DateTimeOffset.UtcNow, Node = "node-a", Path = "/etc/mailflow/config.json", ContentSha256 = new string('a', 64),
                Mode = ConfigFileMode.Always, Sections = $"{ConfigurationFileSections.AcceptedDomains},{ConfigurationFileSections.Recipients}",
            });
            await db.SaveChangesAsync();
        }

        var warning = RenderPage().Find("#config-file-owned");
        Assert.Contains("Accepted domains come from the configuration file /etc/mailflow/config.json", warning.TextContent);
        Assert.Contains("overwritten the next time a node starts", warning.TextContent);
    }

    [Fact]
    public void DomainNameField_WhenNameHasNoDot_ShowsTheServiceMessageNextToTheField()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("#add-domain").Click();
        dialogs.WaitForElement("#domain-name-input", WaitTimeout).Input("contoso");

        dialogs.WaitForAssertion(() =>
            Assert.Contains("'contoso' has no dot", dialogs.Find("[data-testid=domain-name-field] .mud-input-helper-text").TextContent),
            WaitTimeout);
        Assert.NotEmpty(dialogs.FindAll("[data-testid=domain-name-field] .mud-input-error"));
    }

    [Fact]
    public async Task Add_WhenNameIsValid_SavesThroughTheServiceWithAuditAndListsIt()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("#add-domain").Click();
        dialogs.WaitForElement("#domain-name-input", WaitTimeout).Input("Contoso.Test");
        dialogs.Find("#domain-save").Click();

        page.WaitForAssertion(() => Assert.Contains("contoso.test", ListedNames(page)), WaitTimeout);
        Assert.Empty(dialogs.FindAll("#domain-name-input"));
        await using var db = await Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        var saved = await db.AcceptedDomains.SingleAsync(d => d.DomainName == "contoso.test");
        Assert.Equal(AcceptedDomainType.Authoritative, saved.Type);
        Assert.False(saved.IsDefault);
        Assert.True(await db.AuditEntries.AnyAsync(a => a.ObjectName == "contoso.test" && a.Actor == "alice"));
    }

    [Fact]
    public void Add_WhenDomainAlreadyExists_ShowsTheStoreMessageNextToTheFieldAndKeepsTheDialogOpen()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("#add-domain").Click();
        dialogs.WaitForElement("#domain-name-input", WaitTimeout).Input("MAILFLOW.local");
        dialogs.Find("#domain-save").Click();

        dialogs.WaitForAssertion(() =>
            Assert.Contains("mailflow.local is already an accepted domain", dialogs.Find("[data-testid=domain-name-field] .mud-input-helper-text").TextContent),
            WaitTimeout);
        Assert.Equal(["mailflow.local"], ListedNames(page));
    }

    [Fact]
    public async Task Edit_WhenMatchSubdomainsTicked_SavesTheChange()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        await Domains.CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "fabrikam.test" });
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid='edit-fabrikam.test']").Click();
        dialogs.WaitForElement("[data-testid=domain-match-subdomains-field] input", WaitTimeout).Change(true);
        dialogs.Find("#domain-save").Click();

        page.WaitForAssertion(() =>
            Assert.Equal("Yes", page.FindAll("#accepted-domains tbody tr")[0].QuerySelector("[data-testid=domain-match-subdomains]")!.TextContent.Trim()),
            WaitTimeout);
        var saved = (await Domains.ListAsync()).Single(d => d.DomainName == "fabrikam.test");
        Assert.True(saved.MatchSubdomains);
    }

    [Fact]
    public async Task Remove_WhenConfirmed_DeletesTheDomain()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        await Domains.CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "fabrikam.test" });
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid='remove-fabrikam.test']").Click();
        var confirm = dialogs.WaitForElement(".mud-message-box .mud-dialog-actions button:last-child", WaitTimeout);
        Assert.Contains("Remove", confirm.TextContent);
        confirm.Click();

        page.WaitForAssertion(() => Assert.Equal(["mailflow.local"], ListedNames(page)), WaitTimeout);
        Assert.DoesNotContain(await Domains.ListAsync(), d => d.DomainName == "fabrikam.test");
    }

    [Fact]
    public void ViewOnly_HidesAddEditAndRemoveButtons()
    {
        SignInAs("alice", AdminRoles.ViewOnly);

        var page = RenderPage();

        Assert.Equal(["mailflow.local"], ListedNames(page));
        Assert.Empty(page.FindAll("#add-domain"));
        Assert.Empty(page.FindAll("[data-testid^=edit-]"));
        Assert.Empty(page.FindAll("[data-testid^=remove-]"));
        Assert.NotNull(page.Find("#read-only-notice"));
    }
}
