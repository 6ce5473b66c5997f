using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Admin.Web.Components.Shared;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class DoctorWarningsTests : MudBunitContext
{
    private static readonly AdminActor OrgAdmin = new("alice", new HashSet<string> { AdminRoles.OrganizationManagement });

    [Fact]
    public async Task DomainsPage_WarnsThatNoConnectorReachesRelayDomain_When_OneIsAdded()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        await Services.GetRequiredService<AcceptedDomainService>().CreateAsync(OrgAdmin, new AcceptedDomain { DomainName = "relay.test", Type = AcceptedDomainType.InternalRelay });

        var page = Render<AcceptedDomains>();

        page.WaitForAssertion(() => Assert.Contains(page.FindAll("#domain-doctor [data-testid=doctor-warning]"),
            w => w.GetAttribute("data-check") == "unreachable-domain" && w.TextContent.Contains("relay.test", StringComparison.Ordinal)), WaitTimeout);
    }

    [Fact]
    public void Component_ShowsAllClear_When_DefaultsHaveNoFindings()
    {
        var component = Render<DoctorWarnings>(p => p.Add(c => c.ShowAllClear, true));

        component.WaitForAssertion(() => Assert.NotEmpty(component.FindAll("#doctor-all-clear")), WaitTimeout);
    }
}
