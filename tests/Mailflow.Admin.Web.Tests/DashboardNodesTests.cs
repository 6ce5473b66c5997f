using Mailflow.Admin.Web.Components.Pages;
using Mailflow.Admin.Web.Dashboard;
using Mailflow.Queue;
using Mailflow.Auditing;
using Mailflow.Cluster;
using Mailflow.Data;
using Mailflow.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

/// <summary>The dashboard's node list: restarts, the drain state each node reports, and Drain / Resume for Organization Management.</summary>
public sealed class DashboardNodesTests : MudBunitContext
{
    protected override void AddServices(IServiceCollection services)
    {
        services.AddSingleton<IQueueOperations>(new RecordingQueueOperations());
        services.AddSingleton<TimeProvider>(TimeProvider.System);
        services.AddSingleton<DashboardQuery>();
        services.AddSingleton<NodeDrainService>();
    }

    private IDbContextFactory<MailflowDbContext> Factory => Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>();

    private async Task AddNodesAsync()
    {
        var now = DateTimeOffset.UtcNow;
        await using var db = await Factory.CreateDbContextAsync();
        db.Nodes.Add(new NodeRegistration
        {
            Name = "node-a", Address = "mx1.contoso.test", FirstStartedAt = now.AddDays(-3), StartedAt = now.AddMinutes(-5), StartCount = 3,
            LastHeartbeat = now, ActiveGeneration = 3, DrainRequested = true, DrainPhase = NodeDrainPhase.Drained,
        });
        db.Nodes.Add(new NodeRegistration
        {
            Name = "node-b", Address = "mx2.contoso.test", FirstStartedAt = now.AddHours(-1), StartedAt = now.AddHours(-1), StartCount = 1,
            LastHeartbeat = now, ActiveGeneration = 3,
        });
        await db.SaveChangesAsync();
    }

    [Fact]
    public async Task NodeList_ShowsRestartsAndDrainState_AndResumeTakesTheNodeOutOfDraining()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        await AddNodesAsync();

        var page = Render<Home>();
        page.WaitForElement("[data-testid=node-row]", WaitTimeout);
        var rows = page.FindAll("[data-testid=node-row]");
        Assert.Equal("2 restarts", rows[0].QuerySelector("[data-testid=node-restarts]")!.TextContent.Trim());
        Assert.Equal("Drained", rows[0].QuerySelector("[data-testid=node-drain]")!.TextContent.Trim());
        Assert.Equal("never restarted", rows[1].QuerySelector("[data-testid=node-restarts]")!.TextContent.Trim());
        Assert.Equal("Active", rows[1].QuerySelector("[data-testid=node-drain]")!.TextContent.Trim());
        Assert.NotNull(rows[1].QuerySelector("[data-testid=node-drain-button]"));

        rows[0].QuerySelector("[data-testid=node-resume]")!.Click();

        await using var db = await Factory.CreateDbContextAsync();
        page.WaitForAssertion(() => Assert.False(db.Nodes.AsNoTracking().Single(n => n.Name == "node-a").DrainRequested), WaitTimeout);
        var audit = Assert.Single(db.AuditEntries.AsNoTracking().Where(e => e.ObjectType == NodeDrainService.AuditObjectType));
        Assert.Equal(AuditAction.Resume, audit.Action);
        Assert.Equal("alice", audit.Actor);
        page.WaitForAssertion(() => Assert.Equal("Drain",
            page.FindAll("[data-testid=node-row]")[0].QuerySelector("[data-testid=node-drain-button]")?.TextContent.Trim()), WaitTimeout);
    }

    [Fact]
    public async Task NodeList_ForViewOnly_OffersNoDrainOrResume()
    {
        SignInAs("victor", AdminRoles.ViewOnly);
        await AddNodesAsync();

        var page = Render<Home>();
        page.WaitForElement("[data-testid=node-row]", WaitTimeout);
        Assert.Empty(page.FindAll("[data-testid=node-resume]"));
        Assert.Empty(page.FindAll("[data-testid=node-drain-button]"));
    }
}
