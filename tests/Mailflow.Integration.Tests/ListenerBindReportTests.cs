using System.Net;
using System.Net.Sockets;
using Mailflow.Admin.Web.Cluster;
using Mailflow.Cluster;
using Mailflow.Configuration;
using Mailflow.Configuration.Doctor;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Integration.Tests;

/// <summary>
/// A receive connector saved onto a port another program holds: the running server reports the bind failure
/// in-process (the save confirmation), in its node registry row (other nodes' admin centers) and through the doctor.
/// </summary>
public sealed class ListenerBindReportTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly TestStores stores = new(postgres);

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task Save_WhenThePortIsTaken_IsReportedByTheEngineTheNodeRegistryAndTheDoctor(DatabaseProvider provider)
    {
        var store = await stores.CreateAsync(provider);
        await using var host = MailflowHost.Start(store);
        await host.WaitForLatestGenerationAsync();
        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var takenPort = ((IPEndPoint)squatter.LocalEndpoint).Port;

        var connectors = host.Get<ReceiveConnectorService>();
        var frontend = (await connectors.ListAsync()).Single(c => c.Name == "Default Frontend");
        frontend.Bindings = [new IpBinding("127.0.0.1", takenPort)];
        await connectors.UpdateAsync(AdminActor.System, frontend);
        long latest;
        await using (var db = TestStores.OpenContext(store))
            latest = await TransportConfigLoader.ReadLatestGenerationAsync(db, CancellationToken.None);

        var status = host.Get<IReceiveStatus>();
        Assert.True(await status.WaitForAppliedAsync(latest, TimeSpan.FromSeconds(10), CancellationToken.None));
        var failure = Assert.Single(status.BindFailures);
        Assert.Equal(("Default Frontend", $"127.0.0.1:{takenPort}"), (failure.ConnectorName, failure.Binding));

        // The engine stores the result right after applying; read it as another node's admin center would.
        var reader = host.Get<NodeListenerStatusReader>();
        IReadOnlyList<NodeListenerFailure> stored = [];
        for (var attempt = 0; attempt < 100 && stored.Count == 0; attempt++)
        {
            stored = await reader.ReadAsync(CancellationToken.None);
            if (stored.Count == 0)
                await Task.Delay(100);
        }
        var reported = Assert.Single(stored);
        Assert.Equal("node-it", reported.Node);
        Assert.Equal(frontend.Id, reported.Failure.ConnectorId);
        Assert.Contains("in use", reported.Failure.Reason, StringComparison.OrdinalIgnoreCase);
        var warning = Assert.Single(ListenerBindDoctor.Examine(stored));
        Assert.Equal(DoctorSeverity.Critical, warning.Severity);
        Assert.Contains($"node-it could not listen on 127.0.0.1:{takenPort}", warning.Explanation);

        // Moved to a free port: the report clears everywhere.
        frontend = (await connectors.ListAsync()).Single(c => c.Name == "Default Frontend");
        frontend.Bindings = [new IpBinding("127.0.0.1", FreePort.Get())];
        await connectors.UpdateAsync(AdminActor.System, frontend);
        await host.WaitForLatestGenerationAsync();
        Assert.Empty(status.BindFailures);
        await using (var db = TestStores.OpenContext(store))
        {
            string? column = "pending";
            for (var attempt = 0; attempt < 100 && column is not null; attempt++)
            {
                column = await db.Nodes.AsNoTracking().Where(n => n.Name == "node-it").Select(n => n.ListenerFailures).SingleAsync();
                if (column is not null)
                    await Task.Delay(100);
            }
            Assert.Null(column);
        }
    }

    public void Dispose() => stores.Dispose();
}
