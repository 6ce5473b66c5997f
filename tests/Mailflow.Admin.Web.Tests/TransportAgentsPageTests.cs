using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

/// <summary>The Transport agents page over a real store: the pipeline in order, on/off per connector, refusals next to the field.</summary>
public sealed class TransportAgentsPageTests : MudBunitContext
{
    /// <summary>The agents a node runs, as the engine would describe them (the admin center library does not contain the engine).</summary>
    private sealed class Catalog : ITransportAgentCatalog
    {
        public IReadOnlyList<TransportAgentInfo> Agents { get; } =
        [
            new("Relay", "Relay and recipient check", "Refuses relaying.", ["MAIL FROM", "RCPT TO"], 100, false, 10_000, AgentFailurePolicy.TempFail),
            new("SubmissionHeaders", "Submission headers", "Adds a Message-ID and a Date header.", ["end of data"], 150, true, 10_000, AgentFailurePolicy.FailOpen),
            new("ConnectionFilter", "Connection filter", "Refuses listed clients.", ["connect", "RCPT TO"], 200, true, 5_000, AgentFailurePolicy.FailOpen),
        ];
    }

    protected override void AddServices(IServiceCollection services)
    {
        base.AddServices(services);
        services.AddSingleton<ITransportAgentCatalog, Catalog>();
    }

    private TransportAgentService Agents => Services.GetRequiredService<TransportAgentService>();

    private IRenderedComponent<TransportAgents> RenderPage()
    {
        var page = Render<TransportAgents>();
        page.WaitForAssertion(() => Assert.NotEmpty(page.FindAll("#transport-agents tbody tr")), WaitTimeout);
        return page;
    }

    [Fact]
    public async Task The_agents_are_listed_in_pipeline_order_with_their_status()
    {
        SignInAs("alice", AdminRoles.ViewOnly);
        var frontend = (await Services.GetRequiredService<ReceiveConnectorService>().ListAsync()).First(c => c.Name == "Default Frontend");
        await Agents.SaveAsync(AdminActor.System, new TransportAgentSetting { AgentName = "ConnectionFilter", Priority = 50, DisabledOnConnectors = [frontend.Id] });
        await Agents.SaveAsync(AdminActor.System, new TransportAgentSetting { AgentName = "SubmissionHeaders", Enabled = false });

        var page = RenderPage();

        var rows = page.FindAll("#transport-agents tbody tr");
        Assert.Equal(["Connection filter", "Relay and recipient check", "Submission headers"],
            rows.Select(r => r.QuerySelector("[data-testid=agent-name] b")!.TextContent));
        Assert.Contains("On, except Default Frontend", rows[0].QuerySelector("[data-testid=agent-status]")!.TextContent);
        Assert.Contains("Always on", rows[1].QuerySelector("[data-testid=agent-status]")!.TextContent);
        Assert.Contains("Off", rows[2].QuerySelector("[data-testid=agent-status]")!.TextContent);
        Assert.Contains("connect, RCPT TO", rows[0].TextContent);
        Assert.Contains("5 s", rows[0].TextContent);
        Assert.Contains("Let the message through", rows[0].TextContent);
        Assert.NotNull(page.Find("#read-only-notice"));
        Assert.Empty(page.FindAll("[data-testid^=edit-]"));
    }

    [Fact]
    public async Task Turning_an_agent_off_on_one_connector_saves_with_audit()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid=edit-ConnectionFilter]").Click();
        dialogs.WaitForElement("[data-testid='agent-off-on-Client Frontend'] input", WaitTimeout).Change(true);
        dialogs.Find("#agent-save").Click();

        page.WaitForAssertion(() => Assert.Contains("On, except Client Frontend", page.Find("#transport-agents").TextContent), WaitTimeout);
        await using var db = await Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        var setting = await db.TransportAgentSettings.SingleAsync(s => s.AgentName == "ConnectionFilter");
        Assert.Single(setting.DisabledOnConnectors);
        Assert.Null(setting.Priority); // unchanged values stay "default"
        Assert.True(await db.AuditEntries.AnyAsync(a => a.ObjectType == nameof(TransportAgentSetting) && a.Actor == "alice"));
    }

    [Fact]
    public void A_time_limit_out_of_range_is_refused_next_to_the_field()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid=edit-SubmissionHeaders]").Click();
        dialogs.WaitForElement("[data-testid=agent-timeout-field] input", WaitTimeout).Input("20");
        dialogs.Find("#agent-save").Click();

        dialogs.WaitForAssertion(() =>
            Assert.Contains("The time limit must be between 100 ms and 120 s.", dialogs.Find("[data-testid=agent-timeout-field]").TextContent), WaitTimeout);
    }

    [Fact]
    public void A_protecting_agent_cannot_be_switched_off()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = RenderPage();

        page.Find("[data-testid=edit-Relay]").Click();
        dialogs.WaitForAssertion(() => Assert.Contains("Always on: it protects the server", dialogs.Find("[data-testid=agent-enabled-field]").TextContent), WaitTimeout);
        Assert.True(dialogs.Find("[data-testid=agent-enabled-field] input").HasAttribute("disabled"));
        Assert.Empty(dialogs.FindAll("[data-testid=agent-connectors-field]"));
    }
}
