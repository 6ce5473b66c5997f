using System.Diagnostics;
using Mailflow.Data;
using Mailflow.TestSupport;
using Xunit.Abstractions;

namespace Mailflow.Cluster.Tests.Kill;

/// <summary>
/// The server as a real process under steady SMTP load, delivering to a sink that records every copy,
/// while what it stands on is taken away: the process itself (SIGKILL, twice per store), its PostgreSQL
/// (stopped and started), its disk (the data directory full). Each time every message answered
/// <c>250</c> must be delivered, nothing refused or never sent may be, duplicates may only straddle a
/// disruption (see <see cref="DeliveryLedger"/>), and the server must come back within seconds.
/// Two nodes on one PostgreSQL with the claim holder killed are <see cref="NodeTakeoverTests"/>.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed partial class KillTests(PostgresFixture postgres, RestartablePostgresServer restartable, ITestOutputHelper output)
    : IClassFixture<RestartablePostgresServer>, IDisposable
{
    private const int Senders = 3;

    /// <summary>
    /// Kills per store. The first kill proves that a server killed under load loses nothing; the second
    /// kills a server that has just recovered from the first (its queue holding the first kill's
    /// leftovers, re-claimed and redelivered under load again), which proves the recovery itself is
    /// crash-safe: "repeatedly". The trade-off: a third round (the earlier figure) would kill the same
    /// kind of state again (a recovered server under the same load), while each round costs a server
    /// start and a stretch of steady load on each store, the bulk of this class's minutes; the whole
    /// suite must stay well under 20 minutes on two cores.
    /// </summary>
    private const int Kills = 2;

    /// <summary>How soon after the store or disk is back mail must flow again (the product samples resources every 5 s).</summary>
    private static readonly TimeSpan Prompt = TimeSpan.FromSeconds(20);

    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(90);

    private readonly TestStores stores = new(postgres);
    private readonly Stopwatch clock = Stopwatch.StartNew();

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task RepeatedKill9UnderLoad_DeliversEveryAcknowledgedMessage(DatabaseProvider provider)
    {
        // A little latency at the next hop so that kills find deliveries in flight too.
        await using var sink = new RecordingSink(clock, TimeSpan.FromMilliseconds(10));
        var store = await stores.CreateAsync(provider);
        var port = await KillTestBed.ConfigureRelayAsync(store, sink.Port);
        var dataDirectory = Directory.CreateTempSubdirectory("mailflow-kill-").FullName;
        var disruptions = new List<Disruption>();

        var server = await KillTestBed.StartServerAsync(store, dataDirectory, port);
        await using var load = SmtpLoad.Start(port, Senders, $"kill-{provider}", clock);
        try
        {
            for (var kill = 1; kill <= Kills; kill++)
            {
                // Kill while both receiving and delivering are busy.
                var acknowledged = load.Count(SendOutcome.Acknowledged);
                var delivered = sink.Deliveries.Count;
                await load.WaitUntilAsync(l => l.Count(SendOutcome.Acknowledged) >= acknowledged + 15 && sink.Deliveries.Count >= delivered + 3, Patience,
                    $"steady load before kill {kill}");
                await server.KillAsync();
                disruptions.Add(new Disruption($"SIGKILL {kill}", clock.Elapsed, clock.Elapsed));
                await server.DisposeAsync();
                server = await KillTestBed.StartServerAsync(store, dataDirectory, port);
            }
            var afterLastKill = load.Count(SendOutcome.Acknowledged);
            await load.WaitUntilAsync(l => l.Count(SendOutcome.Acknowledged) >= afterLastKill + 10, Patience, "accepting again after the last restart");
            await load.StopAsync();

            await sink.WaitForAllAsync(load.Ids(SendOutcome.Acknowledged), Patience);
            var ledger = new DeliveryLedger(load, sink, disruptions);
            output.WriteLine(ledger.Report($"{provider}, {Kills} × SIGKILL"));
            Assert.True(ledger.Problems().Count == 0, string.Join('\n', ledger.Problems()) + "\n" + server.Output);
            Assert.Equal(0, load.Count(SendOutcome.Rejected));
            Assert.InRange(load.Count(SendOutcome.Unanswered), 0, Senders * (Kills + 1));
        }
        finally
        {
            await server.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    [Fact]
    public async Task PostgresStoppedAndStartedUnderLoad_DefersMeanwhile_AndRecoversWithinSeconds()
    {
        await using var sink = new RecordingSink(clock);
        var store = new StoreSettings(DatabaseProvider.Postgres, await restartable.CreateDatabaseAsync());
        var port = await KillTestBed.ConfigureRelayAsync(store, sink.Port);
        var dataDirectory = Directory.CreateTempSubdirectory("mailflow-kill-pg-").FullName;

        await using var server = await KillTestBed.StartServerAsync(store, dataDirectory, port);
        await using var load = SmtpLoad.Start(port, Senders, "pg-restart", clock);
        try
        {
            await load.WaitUntilAsync(l => l.Count(SendOutcome.Acknowledged) >= 25 && sink.Deliveries.Count >= 5, Patience, "steady load before the outage");
            var stopped = clock.Elapsed;
            await restartable.StopAsync();
            var deferredBefore = load.Count(SendOutcome.Deferred);
            await load.WaitUntilAsync(l => l.Count(SendOutcome.Deferred) >= deferredBefore + Senders, Patience, "4yz replies while PostgreSQL is down");
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.False(server.HasExited, $"the server exited while PostgreSQL was down:\n{server.Output}");
            await restartable.StartAsync();
            var started = clock.Elapsed;

            await load.WaitUntilAsync(l => l.Sent.Any(m => m.Outcome == SendOutcome.Acknowledged && m.At > started), Prompt, "a 250 after PostgreSQL came back");
            var accepting = load.Sent.Where(m => m.Outcome == SendOutcome.Acknowledged && m.At > started).Min(m => m.At) - started;
            var delivering = await sink.WaitForDeliveryAfterAsync(started, Prompt) - started;
            Assert.True(delivering is not null, $"no delivery within {Prompt} after PostgreSQL came back:\n{server.Output}");
            await load.StopAsync();

            await sink.WaitForAllAsync(load.Ids(SendOutcome.Acknowledged), Patience);
            var ledger = new DeliveryLedger(load, sink, [new Disruption("PostgreSQL stopped", stopped, started)]);
            var duringOutage = load.Sent.Where(m => m.At > stopped && m.At < started).ToList();
            output.WriteLine(ledger.Report("PostgreSQL stopped and started"));
            output.WriteLine($"while down ({(started - stopped).TotalSeconds:F1}s): replies {string.Join(", ", duringOutage.GroupBy(m => m.ReplyCode?.ToString() ?? "none").Select(g => $"{g.Key} × {g.Count()}"))}; " +
                $"accepting again {accepting.TotalSeconds:F1}s and delivering again {delivering!.Value.TotalSeconds:F1}s after PostgreSQL was back");
            Assert.True(ledger.Problems().Count == 0, string.Join('\n', ledger.Problems()) + "\n" + server.Output);
            Assert.Equal(0, load.Count(SendOutcome.Rejected));
            Assert.All(duringOutage.Where(m => m.Outcome == SendOutcome.Deferred), m => Assert.InRange(m.ReplyCode!.Value, 400, 499));
        }
        finally
        {
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    public void Dispose() => stores.Dispose();
}
