using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Cluster;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Tracking;
using Mailflow.TestSupport;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using MimeKit;
using Xunit.Abstractions;

namespace Mailflow.Cluster.Tests;

/// <summary>
/// Draining a node of two on one PostgreSQL store hands its queued work over: node A holds deliveries
/// for a stalled next hop (two in flight, the prefetch waiting); drained, it gives the waiting ones back at
/// once, refuses new sessions with 421, finishes the two in flight when the hop answers, releases what it
/// still holds and reports Drained — node B delivers the rest.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class NodeDrainHandOverTests(PostgresFixture postgres, ITestOutputHelper output) : IDisposable
{
    private const int Messages = 12;
    private const int ConnectionsPerHop = 2;
    private readonly TestStores stores = new(postgres);

    [Fact]
    public async Task DrainingANodeHandsItsQueuedMessagesToTheOtherNode_AndFinishesWhatIsInFlight()
    {
        var stalled = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var remote = LoopbackSmtpServer.Start(new LoopbackSmtpScript
        {
            BeforeReply = verb => verb == "MAIL" ? stalled.Task : Task.CompletedTask,
        });
        var store = await stores.CreateAsync(DatabaseProvider.Postgres);
        await using var nodeA = MailflowHost.Start(store, Node("node-a"));
        await nodeA.Get<AcceptedDomainService>().CreateAsync(AdminActor.System, new AcceptedDomain { DomainName = "relay.test", Type = AcceptedDomainType.InternalRelay });
        await nodeA.Get<SendConnectorService>().CreateAsync(AdminActor.System, new SendConnector
        {
            Name = "To the relay target",
            AddressSpaces = [new AddressSpace("relay.test")],
            RoutingMethod = SendRoutingMethod.SmartHost,
            SmartHosts = [$"127.0.0.1:{remote.Port}"],
            MaxConcurrentConnections = ConnectionsPerHop,
        });
        await nodeA.WaitForLatestGenerationAsync();
        var port = nodeA.PortOf("Default Frontend");
        await SendAsync(port);

        // Node A holds what it can send to the stalled hop plus the prefetch; the rest waits unclaimed.
        await WaitForAsync(async () => await LeasesAsync(store, "node-a/") > ConnectionsPerHop, "node A claimed nothing beyond its connections");
        await using var nodeB = MailflowHost.Start(store, Node("node-b"));

        await nodeA.Get<NodeDrainService>().DrainAsync(AdminActor.System, "node-a");
        // The deliveries that had not started are given back at once; the two in flight stay with A.
        await WaitForAsync(async () => await LeasesAsync(store, "node-a/") <= ConnectionsPerHop, "node A kept its waiting deliveries");
        Assert.Equal("421 4.3.2 Service not available, node draining", await GreetingAsync(port));
        Assert.Equal(NodeDrainPhase.Draining, await PhaseAsync(store, "node-a"));

        stalled.SetResult();
        await WaitForAsync(async () => (await PhaseAsync(store, "node-a")) == NodeDrainPhase.Drained, "node A never reported Drained", TimeSpan.FromSeconds(30));
        Assert.Equal(0, await LeasesAsync(store, "node-a/"));
        await WaitForAsync(() => Task.FromResult(DistinctDelivered(remote) == Messages), "not every message was delivered", TimeSpan.FromSeconds(30));

        await nodeA.Get<MessageTracker>().FlushAsync();
        await nodeB.Get<MessageTracker>().FlushAsync();
        await using var db = TestStores.OpenContext(store);
        var sentBy = await db.MessageTrackingEvents.AsNoTracking().Where(e => e.Kind == MessageTrackingEventKind.Send)
            .GroupBy(e => e.Node).Select(g => new { Node = g.Key, Count = g.Count() }).ToListAsync();
        output.WriteLine(string.Join(", ", sentBy.Select(s => $"{s.Node}: {s.Count}")));
        Assert.InRange(sentBy.SingleOrDefault(s => s.Node == "node-a")?.Count ?? 0, 0, ConnectionsPerHop);
        Assert.True((sentBy.SingleOrDefault(s => s.Node == "node-b")?.Count ?? 0) >= Messages - ConnectionsPerHop, "node B did not take the rest over");
        Assert.Equal(Messages, await db.QueuedMessages.CountAsync(m => m.State == QueuedMessageState.Completed));
    }

    private static Dictionary<string, string?> Node(string name) => new()
    {
        ["Mailflow:NodeName"] = name,
        [TestKeyEncryption.SettingKey] = TestKeyEncryption.CertificatePath,
    };

    private static async Task SendAsync(int port)
    {
        using var client = new SmtpClient { Timeout = 15_000 };
        await client.ConnectAsync("127.0.0.1", port, SecureSocketOptions.None);
        for (var i = 0; i < Messages; i++)
        {
            await client.SendAsync(new MimeMessage
            {
                From = { MailboxAddress.Parse("alice@fabrikam.test") },
                To = { MailboxAddress.Parse($"user{i}@relay.test") },
                Subject = $"drain {i}",
                MessageId = $"drain-{i}@fabrikam.test",
                Body = new TextPart("plain") { Text = $"message {i}" },
            });
        }
        await client.DisconnectAsync(true);
    }

    private static async Task<string> GreetingAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync("127.0.0.1", port);
        using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await reader.ReadLineAsync(timeout.Token) ?? "";
    }

    private static async Task<int> LeasesAsync(StoreSettings store, string ownerPrefix)
    {
        await using var db = TestStores.OpenContext(store);
        return await db.QueuedMessages.CountAsync(m => m.LeaseOwner != null && m.LeaseOwner.StartsWith(ownerPrefix));
    }

    private static async Task<NodeDrainPhase> PhaseAsync(StoreSettings store, string node)
    {
        await using var db = TestStores.OpenContext(store);
        return await db.Nodes.Where(n => n.Name == node).Select(n => n.DrainPhase).SingleAsync();
    }

    private static int DistinctDelivered(LoopbackSmtpServer remote) =>
        remote.Messages.Select(m => MimeMessage.Load(new MemoryStream(m.Data)).MessageId).Distinct().Count();

    private static async Task WaitForAsync(Func<Task<bool>> condition, string failure, TimeSpan? timeout = null)
    {
        var deadline = Stopwatch.StartNew();
        while (!await condition())
        {
            if (deadline.Elapsed > (timeout ?? TimeSpan.FromSeconds(15)))
                Assert.Fail(failure);
            await Task.Delay(100);
        }
    }

    public void Dispose() => stores.Dispose();
}
