using Mailflow.Admin.Web.Components.Pages.MailFlow;
using Mailflow.Cluster;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

/// <summary>The receive connector list shows which nodes could not bind a connector, and a save says so when this node could not.</summary>
public sealed class ReceiveConnectorBindStatusTests : MudBunitContext
{
    private readonly FakeReceiveStatus _status = new();

    protected override void AddServices(IServiceCollection services) => services.AddSingleton<IReceiveStatus>(_status);

    private ReceiveConnectorService Connectors => Services.GetRequiredService<ReceiveConnectorService>();

    [Fact]
    public async Task List_WhenAnotherNodeReportsABindFailure_ShowsNotListeningWithNodeBindingAndReason()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var frontend = (await Connectors.ListAsync()).Single(c => c.Name == "Default Frontend");
        await using (var db = await Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync())
        {
            // Dozens of nodes, one of which could not bind; a stale node's report is not shown.
            for (var n = 0; n < 24; n++)
                db.Nodes.Add(new NodeRegistration { Name = $"edge-node-{n:D2}.dc-frankfurt.contoso.example", Address = $"10.0.0.{n}", LastHeartbeat = DateTimeOffset.UtcNow });
            db.Nodes.Add(new NodeRegistration
            {
                Name = "edge-node-99.dc-amsterdam.contoso.example", Address = "10.0.1.1", LastHeartbeat = DateTimeOffset.UtcNow,
                ListenerFailures = ListenerBindFailure.Serialize([new ListenerBindFailure(frontend.Id, frontend.Name, "0.0.0.0:25", "Address already in use")]),
            });
            db.Nodes.Add(new NodeRegistration
            {
                Name = "retired-node", Address = "10.0.9.9", LastHeartbeat = DateTimeOffset.UtcNow.AddHours(-2),
                ListenerFailures = ListenerBindFailure.Serialize([new ListenerBindFailure(frontend.Id, frontend.Name, "0.0.0.0:2525", "Permission denied")]),
            });
            await db.SaveChangesAsync();
        }

        var page = Render<ReceiveConnectors>();
        page.WaitForElement("[data-testid=connector-not-listening]", WaitTimeout);

        var failure = Assert.Single(page.FindAll("[data-testid=connector-bind-failure]"));
        Assert.Equal("edge-node-99.dc-amsterdam.contoso.example · 0.0.0.0:25: Address already in use", failure.TextContent.Trim());
        Assert.Equal(2, page.FindAll("[data-testid=connector-listening] .mud-chip").Count(c => c.TextContent.Trim() == "Listening"));
        page.WaitForAssertion(() => Assert.Contains(page.FindAll("[data-testid=doctor-warning]"), w => w.GetAttribute("data-check") == "listener-not-bound"), WaitTimeout);
    }

    [Fact]
    public async Task Edit_WhenThisNodeCannotBindTheNewPort_SaysSoInTheConfirmation()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var frontend = (await Connectors.ListAsync()).Single(c => c.Name == "Default Frontend");
        _status.Failures = [new ListenerBindFailure(frontend.Id, frontend.Name, "0.0.0.0:25", "Address already in use")];
        var (_, dialogs) = RenderProviders();
        var page = Render<ReceiveConnectors>();
        page.WaitForElement("[data-testid='edit-Default Frontend']", WaitTimeout).Click();

        dialogs.WaitForElement("#rc-save", WaitTimeout).Click();

        page.WaitForAssertion(() => Assert.Contains(
            "Default Frontend saved. But this node (node-test) could not listen on 0.0.0.0:25: Address already in use",
            string.Join("\n", FindSnackbars())), WaitTimeout);
    }

    [Fact]
    public async Task Edit_WhenThisNodeListens_ConfirmsTheBindings()
    {
        SignInAs("alice", AdminRoles.OrganizationManagement);
        var (_, dialogs) = RenderProviders();
        var page = Render<ReceiveConnectors>();
        page.WaitForElement("[data-testid='edit-Client Frontend']", WaitTimeout).Click();

        dialogs.WaitForElement("#rc-save", WaitTimeout).Click();

        var bindings = string.Join(", ", (await Connectors.ListAsync()).Single(c => c.Name == "Client Frontend").Bindings);
        page.WaitForAssertion(() => Assert.Contains($"Client Frontend saved. This node listens on {bindings}.", string.Join("\n", FindSnackbars())), WaitTimeout);
    }

    private IEnumerable<string> FindSnackbars() =>
        Services.GetRequiredService<MudBlazor.ISnackbar>().ShownSnackbars.Select(s => s.Message?.ToString() ?? "");

    private sealed class FakeReceiveStatus : IReceiveStatus
    {
        public IReadOnlyList<ListenerBindFailure> Failures { get; set; } = [];

        public int ActiveSessions(Guid connectorId) => 0;

        public IReadOnlyList<ListenerBindFailure> BindFailures => Failures;

        public Task<bool> WaitForAppliedAsync(long generation, TimeSpan timeout, CancellationToken cancellationToken) => Task.FromResult(true);
    }
}
