using Mailflow.Admin.Web.Auditing;
using Mailflow.Admin.Web.Components.Pages.Doctor;
using Mailflow.Admin.Web.Components.Pages.History;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class ConfigurationHistoryPageTests : MudBunitContext
{
    private static readonly AdminActor OrgAdmin = new("alice", new HashSet<string> { AdminRoles.OrganizationManagement });

    private async Task<long> AddDomainAsync(string name)
    {
        await Services.GetRequiredService<AcceptedDomainService>().CreateAsync(OrgAdmin, new AcceptedDomain { DomainName = name });
        return (await Services.GetRequiredService<ConfigurationHistoryService>().ListAsync()).First().Number;
    }

    [Fact]
    public async Task RollbackButton_IsHidden_When_ViewOnly()
    {
        var earlier = await AddDomainAsync("contoso.test");
        await AddDomainAsync("fabrikam.test");
        SignInAs("bob", AdminRoles.ViewOnly);

        var page = Render<ConfigurationHistory>();

        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("#generations tbody tr")), WaitTimeout);
        Assert.NotEmpty(page.FindAll($"[data-testid=show-{earlier}]"));
        Assert.Empty(page.FindAll("[data-testid^=rollback-]"));
    }

    [Fact]
    public async Task Rollback_ShowsPlanThenAppliesAsNewGeneration_When_OrgAdminConfirms()
    {
        var earlier = await AddDomainAsync("contoso.test");
        var latest = await AddDomainAsync("fabrikam.test");
        SignInAs("alice", AdminRoles.OrganizationManagement);
        RenderProviders();
        var page = Render<ConfigurationHistory>();
        page.WaitForElement($"[data-testid=rollback-{earlier}]", WaitTimeout);
        Assert.Empty(page.FindAll($"[data-testid=rollback-{latest}]"));

        page.Find($"[data-testid=rollback-{earlier}]").Click();
        page.WaitForAssertion(() => Assert.Contains("fabrikam.test", page.Find("#rollback-plan").TextContent), WaitTimeout);
        Assert.Contains("Remove", page.Find("#rollback-plan").TextContent);
        page.Find("#rollback-apply").Click();

        page.WaitForAssertion(() => Assert.Contains($"Rolled back to generation {earlier}", page.Find("#generations tbody").TextContent), WaitTimeout);
        var domains = await Services.GetRequiredService<AcceptedDomainService>().ListAsync();
        Assert.DoesNotContain(domains, d => d.DomainName == "fabrikam.test");
        Assert.Contains(domains, d => d.DomainName == "contoso.test");
    }

    [Fact]
    public async Task Changes_ShowFieldDiff_When_GenerationIsOpened()
    {
        var generation = await AddDomainAsync("contoso.test");
        SignInAs("bob", AdminRoles.ViewOnly);
        var page = Render<ConfigurationHistory>();
        page.WaitForElement($"[data-testid=show-{generation}]", WaitTimeout);

        page.Find($"[data-testid=show-{generation}]").Click();

        page.WaitForAssertion(() => Assert.Contains(page.FindAll("[data-testid=field-change]"),
            row => row.TextContent.Contains("Domain name", StringComparison.Ordinal) && row.TextContent.Contains("contoso.test", StringComparison.Ordinal)), WaitTimeout);
    }

    [Fact]
    public void FieldDiff_ListsOnlyChangedFields_When_Compared()
    {
        var changes = AuditFieldDiff.Compare("""{"domainName":"a","port":25,"revision":1}""", """{"domainName":"b","port":25,"revision":2}""");

        var change = Assert.Single(changes);
        Assert.Equal(new FieldChange("Domain name", "a", "b"), change);
    }

    [Fact]
    public async Task DoctorPage_ShowsOpenRelayWarning_When_TrustedRelayConnectorAdmitsEveryone()
    {
        var connectors = Services.GetRequiredService<ReceiveConnectorService>();
        await connectors.CreateAsync(OrgAdmin, new ReceiveConnector
        {
            Name = "Relay",
            Bindings = [new IpBinding("127.0.0.1", 2600)],
            RemoteIpRanges = ["0.0.0.0/0"],
            PermissionGroups = ReceivePermissionGroups.TrustedRelayServers,
        });
        SignInAs("bob", AdminRoles.ViewOnly);

        var page = Render<ConfigurationDoctorPage>();

        page.WaitForAssertion(() => Assert.Contains(page.FindAll("[data-testid=doctor-warning]"),
            w => w.GetAttribute("data-check") == "open-relay" && w.TextContent.Contains("Relay", StringComparison.Ordinal)), WaitTimeout);
    }
}
