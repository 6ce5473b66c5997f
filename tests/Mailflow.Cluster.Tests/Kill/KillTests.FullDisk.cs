using Mailflow.Data;
using Microsoft.Data.Sqlite;

namespace Mailflow.Cluster.Tests.Kill;

public sealed partial class KillTests
{
    /// <summary>
    /// The data directory (SQLite store, keys, logs) on a small file system of its own — a 64 MiB tmpfs
    /// mounted by the test (the suite runs as root) — filled to the last byte under load. Disk back
    /// pressure is turned off so the full disk itself reaches the store's writes (as when the disk fills
    /// faster than the resource monitor samples): the clients must get <c>4yz</c>, nothing answered
    /// <c>250</c> may be lost, and once the space is freed mail must flow again within seconds.
    /// </summary>
    [Fact]
    public async Task FullDataDirectory_DefersMeanwhile_LosesNothing_AndRecoversOnceFreed()
    {
        await using var sink = new RecordingSink(clock);
        await using var disk = await SmallFileSystem.MountAsync(megabytes: 64);
        var dataDirectory = Directory.CreateDirectory(Path.Combine(disk.Path, "data")).FullName;
        var store = new StoreSettings(DatabaseProvider.Sqlite, new SqliteConnectionStringBuilder { DataSource = Path.Combine(dataDirectory, "mailflow.db") }.ToString());
        var port = await KillTestBed.ConfigureRelayAsync(store, sink.Port, organization: o =>
        {
            o.BackPressureDiskFreeMediumMegabytes = 0;
            o.BackPressureDiskFreeHighMegabytes = 0;
        });

        var server = await KillTestBed.StartServerAsync(store, dataDirectory, port);
        await using var load = SmtpLoad.Start(port, Senders, "disk-full", clock);
        try
        {
            await load.WaitUntilAsync(l => l.Count(SendOutcome.Acknowledged) >= 25 && sink.Deliveries.Count >= 5, Patience, "steady load before the disk fills");
            var full = clock.Elapsed;
            var filler = Path.Combine(disk.Path, "filler");
            var filled = FillUp(filler);
            var deferredBefore = load.Count(SendOutcome.Deferred);
            await load.WaitUntilAsync(l => l.Count(SendOutcome.Deferred) >= deferredBefore + Senders, Patience, "4yz replies while the disk is full");
            await Task.Delay(TimeSpan.FromSeconds(3));
            Assert.False(server.HasExited, $"the server exited while its disk was full:\n{server.Output}");
            File.Delete(filler);
            var freed = clock.Elapsed;

            await load.WaitUntilAsync(l => l.Sent.Any(m => m.Outcome == SendOutcome.Acknowledged && m.At > freed), Prompt, "a 250 after the space was freed");
            var accepting = load.Sent.Where(m => m.Outcome == SendOutcome.Acknowledged && m.At > freed).Min(m => m.At) - freed;
            var delivering = await sink.WaitForDeliveryAfterAsync(freed, Prompt) - freed;
            Assert.True(delivering is not null, $"no delivery within {Prompt} after the space was freed:\n{server.Output}");
            await load.StopAsync();

            await sink.WaitForAllAsync(load.Ids(SendOutcome.Acknowledged), Patience);
            var ledger = new DeliveryLedger(load, sink, [new Disruption("data directory full", full, freed)]);
            var whileFull = load.Sent.Where(m => m.At > full && m.At < freed).ToList();
            output.WriteLine(ledger.Report("data directory full"));
            output.WriteLine($"filled {filled / 1024} KiB; while full ({(freed - full).TotalSeconds:F1}s): replies {string.Join(", ", whileFull.GroupBy(m => m.ReplyCode?.ToString() ?? "none").Select(g => $"{g.Key} × {g.Count()}"))}; " +
                $"accepting again {accepting.TotalSeconds:F1}s and delivering again {delivering!.Value.TotalSeconds:F1}s after the space was freed");
            Assert.True(ledger.Problems().Count == 0, string.Join('\n', ledger.Problems()) + "\n" + server.Output);
            Assert.Equal(0, load.Count(SendOutcome.Rejected));
        }
        finally
        {
            await load.StopAsync();
            await server.DisposeAsync();
            SqliteConnection.ClearAllPools();
        }
    }

    /// <summary>Writes <paramref name="path"/> until the file system has no byte left; returns how many were written.</summary>
    private static long FillUp(string path)
    {
        long written = 0;
        using var file = new FileStream(path, FileMode.CreateNew, FileAccess.Write, FileShare.None, bufferSize: 1);
        foreach (var chunk in new[] { 1 << 20, 64 << 10, 4 << 10, 512, 1 })
        {
            var bytes = new byte[chunk];
            try
            {
                while (true)
                {
                    file.Write(bytes);
                    written += chunk;
                }
            }
            catch (IOException)
            {
                // No room for a chunk this size: try smaller ones, down to a byte.
            }
        }
        return written;
    }
}
