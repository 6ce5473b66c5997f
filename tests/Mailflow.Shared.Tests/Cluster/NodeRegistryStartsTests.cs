using Mailflow.Cluster;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Shared.Tests.Cluster;

/// <summary>The node registry records every start of a node: its first start is kept, the current one moves, restarts are counted.</summary>
[Collection(PostgresCollection.Name)]
public sealed class NodeRegistryStartsTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestStores stores = new(postgres);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ARestartedNode_KeepsItsFirstStart_MovesItsStartedAt_AndCountsTheRestart(DatabaseProvider provider)
    {
        var store = await stores.CreateAsync(provider);
        NodeRegistration first;
        await using (var node = await TestNode.StartAsync(store, "node-a"))
        {
            await node.Config.HeartbeatAsync(CancellationToken.None);
            await node.Config.HeartbeatAsync(CancellationToken.None); // heartbeats are not starts
            first = await ReadAsync(store);
        }
        Assert.Equal(1, first.StartCount);
        Assert.Equal(first.FirstStartedAt, first.StartedAt);

        await Task.Delay(50);
        await using (var restarted = await TestNode.StartAsync(store, "node-a"))
        {
            await restarted.Config.HeartbeatAsync(CancellationToken.None);
            var second = await ReadAsync(store);
            Assert.Equal(2, second.StartCount);
            Assert.Equal(first.FirstStartedAt, second.FirstStartedAt);
            Assert.True(second.StartedAt > first.StartedAt, $"{second.StartedAt:O} is not after {first.StartedAt:O}");

            var status = Assert.Single((await restarted.Get<NodeStatusQuery>().ReadAsync(CancellationToken.None)).Nodes);
            Assert.Equal(1, status.Restarts);
            Assert.Equal(first.FirstStartedAt, status.FirstStartedAt);
            Assert.Equal(second.StartedAt, status.StartedAt);
        }
    }

    private static async Task<NodeRegistration> ReadAsync(StoreSettings store)
    {
        await using var db = TestStores.OpenContext(store);
        return await db.Nodes.AsNoTracking().SingleAsync(n => n.Name == "node-a");
    }

    public void Dispose() => stores.Dispose();
}
