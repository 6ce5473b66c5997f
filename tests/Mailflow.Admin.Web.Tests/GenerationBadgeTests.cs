using Mailflow.Admin.Web.Components.Layout;
using Mailflow.Configuration;
using Mailflow.Identity;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

public sealed class GenerationBadgeTests : MudBunitContext
{
    [Fact]
    public async Task Badge_WhenThisNodeLoadsANewGeneration_ShowsItWithoutAReload()
    {
        SignInAs("alice", AdminRoles.ViewOnly);
        var provider = Services.GetRequiredService<TransportConfigProvider>();
        await provider.RefreshAsync(CancellationToken.None);
        RenderProviders();
        var badge = Render<GenerationBadge>();
        badge.WaitForAssertion(() => Assert.Equal("generation 1 active on node-test", badge.Find("#generation-badge").TextContent.Trim()), WaitTimeout);

        await Services.GetRequiredService<AcceptedDomainService>()
            .CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "contoso.test" });
        await provider.RefreshAsync(CancellationToken.None);

        badge.WaitForAssertion(() => Assert.Equal("generation 2 active on node-test", badge.Find("#generation-badge").TextContent.Trim()), WaitTimeout);
    }
}
