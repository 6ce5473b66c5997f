using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Identity;

namespace Mailflow.Admin.Web.Tests;

public sealed class AcceptedDomainsEmptyStateTests : MudBunitContext
{
    protected override bool SeedDefaults => false;

    [Fact]
    public void List_WhenNoDomains_ExplainsWhatAnAcceptedDomainIs()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);

        var page = Render<AcceptedDomains>();

        page.WaitForAssertion(() => Assert.Contains("An accepted domain is a domain whose mail Mailflow takes in", page.Find("#accepted-domains-empty").TextContent), WaitTimeout);
        Assert.Empty(page.FindAll("#accepted-domains"));
    }
}
