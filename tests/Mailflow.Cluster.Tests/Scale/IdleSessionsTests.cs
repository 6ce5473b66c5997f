using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Xunit.Abstractions;

namespace Mailflow.Cluster.Tests.Scale;

/// <summary>
/// Ten thousand SMTP sessions that connected, got their banner and then sit idle (as a botnet's or a
/// slow relay's would), on one node running as its own process: 100 client addresses spread over
/// 127.0.0.0/8 with 100 sessions each (the Default Frontend's limits raised to allow it). The node must
/// stay under 1 GiB resident, still greet a new client at once, and its admin center must still answer.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class IdleSessionsTests(ITestOutputHelper output) : IDisposable
{
    private const int Sessions = 10_000;
    private const int Sources = 100;
    private const long MaxResidentBytes = 1L << 30;
    private static readonly TimeSpan BannerBudget = TimeSpan.FromMilliseconds(50);

    private readonly TestStores stores = new();

    [Fact]
    public async Task TenThousandIdleSessions_StayUnderOneGibibyte_AndNewClientsAndTheAdminCenterAreServedAtOnce()
    {
        var store = await stores.CreateAsync(DatabaseProvider.Sqlite);
        var smtpPort = FreePort.Get();
        var httpPort = FreePort.Get();
        await ConfigureAsync(store, smtpPort);
        var dataDirectory = Directory.CreateTempSubdirectory("mailflow-idle-").FullName;
        var idle = new List<Socket>(Sessions);
        var server = await ServerProcess.StartAsync(store, dataDirectory, smtpPort, new Dictionary<string, string>
        {
            ["Urls"] = $"http://127.0.0.1:{httpPort}",
            [TestKeyEncryption.SettingKey.Replace(":", "__", StringComparison.Ordinal)] = TestKeyEncryption.CertificatePath,
        }, TimeSpan.FromMinutes(2));
        try
        {
            using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
            await WaitForHttpAsync(http);
            // Warm: the first request to each endpoint compiles its pipeline; measure the steady state.
            var coldHealth = await TimeAsync(() => http.GetAsync("/healthz"));
            var coldPage = await TimeAsync(() => http.GetAsync("/account/login"));
            var warmHealth = await TimeAsync(() => http.GetAsync("/healthz"));
            var warmPage = await TimeAsync(() => http.GetAsync("/account/login"));
            var baseline = ResidentBytes(server.ProcessId);
            var opening = Stopwatch.StartNew();
            // 200 connects in flight at a time, each source address taking every 100th session.
            for (var batch = 0; batch < Sessions; batch += 200)
                idle.AddRange(await Task.WhenAll(Enumerable.Range(batch, Math.Min(200, Sessions - batch)).Select(i => OpenAsync(Source(i % Sources), smtpPort))));
            opening.Stop();
            await Task.Delay(TimeSpan.FromSeconds(2)); // let the server settle (GC, timers)
            var resident = ResidentBytes(server.ProcessId);

            var banners = new List<TimeSpan>();
            for (var i = 0; i < 20; i++)
            {
                var timer = Stopwatch.StartNew();
                using var probe = await OpenAsync(IPAddress.Parse("127.200.0.1"), smtpPort);
                banners.Add(timer.Elapsed);
            }
            banners.Sort();
            var median = banners[banners.Count / 2];

            var health = await TimeAsync(() => http.GetAsync("/healthz"));
            var page = await TimeAsync(() => http.GetAsync("/account/login"));

            output.WriteLine($"{Sessions} idle sessions from {Sources} addresses opened in {opening.Elapsed.TotalSeconds:F1}s; " +
                $"server RSS {baseline / (1 << 20)} MiB before, {resident / (1 << 20)} MiB with them ({(resident - baseline) / Sessions / 1024.0:F1} KiB per session); " +
                $"a new client's banner: median {median.TotalMilliseconds:F1} ms, slowest of 20 {banners[^1].TotalMilliseconds:F1} ms; " +
                $"/healthz {health.Status} in {health.Elapsed.TotalMilliseconds:F0} ms (before the sessions: first {coldHealth.Elapsed.TotalMilliseconds:F0} ms, then {warmHealth.Elapsed.TotalMilliseconds:F0} ms), " +
                $"sign-in page {page.Status} in {page.Elapsed.TotalMilliseconds:F0} ms (before: first {coldPage.Elapsed.TotalMilliseconds:F0} ms, then {warmPage.Elapsed.TotalMilliseconds:F0} ms)");
            Assert.Equal(Sessions, idle.Count);
            Assert.False(server.HasExited, server.Output);
            Assert.True(resident < MaxResidentBytes, $"server RSS {resident / (1 << 20)} MiB with {Sessions} idle sessions");
            Assert.True(median < BannerBudget, $"a new client waited {median.TotalMilliseconds:F1} ms (median) for its banner");
            Assert.Equal(HttpStatusCode.OK, health.Status);
            Assert.Equal(HttpStatusCode.OK, page.Status);
            // "Still answers quickly": no slower than without the sessions (twice the warm time, plus a little for a busy machine).
            Assert.True(health.Elapsed < 2 * warmHealth.Elapsed + TimeSpan.FromMilliseconds(200) && page.Elapsed < 2 * warmPage.Elapsed + TimeSpan.FromMilliseconds(200),
                $"the admin center slowed down with the sessions open: /healthz {health.Elapsed.TotalMilliseconds:F0} ms (was {warmHealth.Elapsed.TotalMilliseconds:F0}), page {page.Elapsed.TotalMilliseconds:F0} ms (was {warmPage.Elapsed.TotalMilliseconds:F0})");
        }
        finally
        {
            foreach (var socket in idle)
                socket.Dispose();
            await server.DisposeAsync();
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            Directory.Delete(dataDirectory, recursive: true);
        }
    }

    /// <summary>The Default Frontend on <paramref name="smtpPort"/>, with room for the test's sessions.</summary>
    private static async Task ConfigureAsync(StoreSettings store, int smtpPort)
    {
        var seed = new Dictionary<string, string?>
        {
            ["Mailflow:DefaultDomain"] = MailflowHost.DefaultDomain,
            ["Mailflow:Seed:BindAddress"] = "127.0.0.1",
            ["Mailflow:Seed:DefaultFrontendPort"] = smtpPort.ToString(CultureInfo.InvariantCulture),
            ["Mailflow:Seed:ClientFrontendPort"] = FreePort.Get().ToString(CultureInfo.InvariantCulture),
            ["Mailflow:Seed:ImplicitTlsPort"] = FreePort.Get().ToString(CultureInfo.InvariantCulture),
        };
        await using var admin = await TestNode.StartAsync(store, "setup", seed: true, settings: seed);
        var connectors = admin.Get<ReceiveConnectorService>();
        var frontend = (await connectors.ListAsync()).Single(c => c.Name == "Default Frontend");
        frontend.MaxInboundConnections = Sessions + 1_000;
        frontend.MaxInboundConnectionsPerSource = 2 * Sessions / Sources;
        await connectors.UpdateAsync(AdminActor.System, frontend);
    }

    /// <summary>A loopback client address: the whole 127.0.0.0/8 answers on Linux.</summary>
    private static IPAddress Source(int n) => new([127, 10, (byte)(n / 250), (byte)(1 + n % 250)]);

    /// <summary>Connects from <paramref name="source"/> and reads the banner; returns the open socket.</summary>
    private static async Task<Socket> OpenAsync(IPAddress source, int port)
    {
        var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
        try
        {
            socket.Bind(new IPEndPoint(source, 0));
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            await socket.ConnectAsync(new IPEndPoint(IPAddress.Loopback, port), timeout.Token);
            var buffer = new byte[512];
            var read = 0;
            while (read == 0 || buffer[read - 1] != (byte)'\n')
            {
                var n = await socket.ReceiveAsync(buffer.AsMemory(read), SocketFlags.None, timeout.Token);
                if (n == 0)
                    throw new IOException($"closed before the banner: {Encoding.ASCII.GetString(buffer, 0, read)}");
                read += n;
            }
            var banner = Encoding.ASCII.GetString(buffer, 0, read);
            if (!banner.StartsWith("220 ", StringComparison.Ordinal))
                throw new IOException($"not a banner: {banner}");
            return socket;
        }
        catch
        {
            socket.Dispose();
            throw;
        }
    }

    /// <summary>The SMTP listener is up before Kestrel's HTTP one: wait (bounded) for /healthz.</summary>
    private static async Task WaitForHttpAsync(HttpClient http)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            try
            {
                using var response = await http.GetAsync("/healthz");
                return;
            }
            catch (HttpRequestException) when (deadline.Elapsed < TimeSpan.FromSeconds(60))
            {
                await Task.Delay(200);
            }
        }
    }

    private static long ResidentBytes(int pid)
    {
        var line = File.ReadLines($"/proc/{pid}/status").Single(l => l.StartsWith("VmRSS:", StringComparison.Ordinal));
        return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
    }

    private static async Task<(HttpStatusCode Status, TimeSpan Elapsed)> TimeAsync(Func<Task<HttpResponseMessage>> request)
    {
        var timer = Stopwatch.StartNew();
        using var response = await request();
        return (response.StatusCode, timer.Elapsed);
    }

    public void Dispose() => stores.Dispose();
}
