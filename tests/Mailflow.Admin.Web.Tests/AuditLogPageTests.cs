using Mailflow.Admin.Web.Components.Pages;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class AuditLogPageTests : MudBunitContext
{
    [Fact]
    public async Task AuditLog_AfterADomainIsAdded_ShowsWhoAddedItNewestFirst()
    {
        SignInAs("bob", AdminRoles.ViewOnly);
        await Services.GetRequiredService<AcceptedDomainService>()
            .CreateAsync(new AdminActor("alice", new HashSet<string> { AdminRoles.OrganizationManagement }), new AcceptedDomain { DomainName = "contoso.test" });

        var page = Render<AuditLog>();

        page.WaitForAssertion(() =>
        {
            var first = page.FindAll("#audit-entries tbody tr")[0];
            Assert.Equal("alice", first.QuerySelector("[data-testid=audit-actor]")!.TextContent.Trim());
            Assert.Contains("Created", first.QuerySelector("[data-testid=audit-action]")!.TextContent);
            Assert.Contains("contoso.test", first.QuerySelector("[data-testid=audit-object]")!.TextContent);
        }, WaitTimeout);
    }

    [Fact]
    public void AuditLog_WhenFilterMatchesNothing_SaysSo()
    {
        SignInAs("bob", AdminRoles.ViewOnly);
        var page = Render<AuditLog>();
        page.WaitForElement("#audit-entries", WaitTimeout);

        page.Find("#audit-filter").Input("no-such-object");

        page.WaitForAssertion(() => Assert.Contains("No entry matches the filter", page.Find("#audit-empty").TextContent), WaitTimeout);
    }
}
