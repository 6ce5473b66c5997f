using System.Diagnostics;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Shared.Tests.Live;

/// <summary>
/// A saved change reaches the engine's snapshot without a restart: in-process on one node (SQLite),
/// and by PostgreSQL LISTEN/NOTIFY across nodes sharing a database. The nodes' poll interval is 60 s
/// (TestNode), so these pass only through the signal paths, not the safety-net poll.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class LiveConfigurationTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestStores stores = new(postgres);

    [Fact]
    public async Task Snapshot_SwapsInProcess_When_ChangeIsSavedOnSqliteNode()
    {
        await using var node = await TestNode.StartAsync(await stores.CreateAsync(DatabaseProvider.Sqlite), "solo");
        var before = node.Config.Current;
        var swapped = new TaskCompletionSource<TransportConfig>(TaskCreationOptions.RunContinuationsAsynchronously);
        node.Config.Changed += c => swapped.TrySetResult(c);

        await node.Get<AcceptedDomainService>().CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "live.test" });

        var after = await swapped.Task.WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(before.Generation + 1, after.Generation);
        Assert.NotNull(after.FindAcceptedDomain("live.test"));
        // The old snapshot is untouched: a session that captured it keeps a consistent view.
        Assert.Null(before.FindAcceptedDomain("live.test"));
    }

    [Fact]
    public async Task ChangeOnOneNode_ReachesOtherNodeWithinOneSecond_When_NodesSharePostgres()
    {
        var store = await stores.CreateAsync(DatabaseProvider.Postgres);
        await using var nodeA = await TestNode.StartAsync(store, "node-a");
        await using var nodeB = await TestNode.StartAsync(store, "node-b");
        Assert.Equal(nodeA.Config.Current.Generation, nodeB.Config.Current.Generation);
        var arrivedOnB = new TaskCompletionSource<TransportConfig>(TaskCreationOptions.RunContinuationsAsynchronously);
        nodeB.Config.Changed += c =>
        {
            if (c.FindAcceptedDomain("contoso.test") is not null)
                arrivedOnB.TrySetResult(c);
        };

        var clock = Stopwatch.StartNew();
        await nodeA.Get<AcceptedDomainService>().CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "contoso.test" });
        var onB = await arrivedOnB.Task.WaitAsync(TimeSpan.FromSeconds(10));
        clock.Stop();

        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(1), $"node-b saw the change after {clock.Elapsed.TotalMilliseconds:F0} ms");
        var generation = await nodeA.WaitForLatestGenerationAsync();
        Assert.Equal(generation, onB.Generation);

        // Both nodes report the generation they run in the node registry: "generation N active on node-a, node-b".
        await using var db = TestStores.OpenContext(store);
        var nodes = await db.Nodes.AsNoTracking().OrderBy(n => n.Name).ToListAsync();
        Assert.Equal(["node-a", "node-b"], nodes.Select(n => n.Name));
        Assert.All(nodes, n => Assert.Equal(generation, n.ActiveGeneration));
    }

    [Fact]
    public async Task NodeCatchesUp_When_ItStartsAfterChangesWereMade()
    {
        var store = await stores.CreateAsync(DatabaseProvider.Postgres);
        long generation;
        await using (var early = await TestNode.StartAsync(store, "early"))
        {
            await early.Get<ReceiveConnectorService>().CreateAsync(AdminActor.System, new ReceiveConnector
            {
                Name = "Partner relay",
                Bindings = [new IpBinding("127.0.0.1", 3525)],
                RemoteIpRanges = ["192.0.2.0/24"],
                PermissionGroups = ReceivePermissionGroups.TrustedRelayServers,
            });
            generation = await early.WaitForLatestGenerationAsync();
        }

        await using var late = await TestNode.StartAsync(store, "late");

        Assert.Equal(generation, late.Config.Current.Generation);
        Assert.Contains(late.Config.Current.ReceiveConnectors, c => c.Name == "Partner relay");
    }

    [Fact]
    public async Task PollFindsChange_When_NoSignalArrives()
    {
        // A write the node is not told about (another process on SQLite, or a lost NOTIFY): the poll finds it.
        var store = await stores.CreateAsync(DatabaseProvider.Sqlite);
        await using var node = await TestNode.StartAsync(store, "poller", settings: new Dictionary<string, string?> { ["Mailflow:ConfigPollIntervalSeconds"] = "1" });
        await using var other = await TestNode.StartAsync(store, "other-process", seed: false);

        await other.Get<AcceptedDomainService>().CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "polled.test" });
        var generation = await other.WaitForLatestGenerationAsync();

        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await node.Config.WaitForGenerationAsync(generation, timeout.Token);
        Assert.NotNull(node.Config.Current.FindAcceptedDomain("polled.test"));
        await using var db = await node.Get<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        Assert.Equal(generation, (await db.Nodes.SingleAsync(n => n.Name == "poller")).ActiveGeneration);
    }

    public void Dispose() => stores.Dispose();
}
