using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Npgsql;

namespace Mailflow.Integration.Tests;

/// <summary>
/// <c>/healthz</c> and <c>/readyz</c> of the real server: anonymous, JSON with every readiness check,
/// and readiness follows the store (a SQLite file moved away, a PostgreSQL database refusing
/// connections) and the listeners.
/// </summary>
public sealed class HealthEndpointTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly TestStores stores = new(postgres);

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task Readyz_WhenTheStoreGoesAwayAndComesBack_Is503ThenReadyAgain(DatabaseProvider provider)
    {
        var store = await stores.CreateAsync(provider);
        await using var host = MailflowHost.Start(store);
        await host.WaitForLatestGenerationAsync();
        using var http = new HttpClient { BaseAddress = host.HttpAddress, Timeout = TimeSpan.FromSeconds(30) };

        var ready = await GetAsync(http, "/readyz");
        Assert.Equal(HttpStatusCode.OK, ready.Status);
        Assert.Equal("Healthy", ready.Body.GetProperty("status").GetString());
        foreach (var check in new[] { "store", "listeners", "queue-manager", "categorizer" })
            Assert.Equal("Healthy", ready.Body.GetProperty("checks").GetProperty(check).GetProperty("status").GetString());

        await using (var outage = await StoreOutage.BeginAsync(store, postgres))
        {
            var down = await GetAsync(http, "/readyz");
            Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Status);
            Assert.Equal("Unhealthy", down.Body.GetProperty("status").GetString());
            var storeCheck = down.Body.GetProperty("checks").GetProperty("store");
            Assert.Equal("Unhealthy", storeCheck.GetProperty("status").GetString());
            // Anonymous endpoint: the reason names the store, never its connection string.
            Assert.DoesNotContain(store.ConnectionString, storeCheck.GetProperty("description").GetString()!, StringComparison.Ordinal);
            Assert.Equal("Healthy", down.Body.GetProperty("checks").GetProperty("listeners").GetProperty("status").GetString());

            // Liveness is the process, not its store: a restart would not bring the store back.
            var live = await GetAsync(http, "/healthz");
            Assert.Equal(HttpStatusCode.OK, live.Status);
        }

        var again = await WaitForStatusAsync(http, HttpStatusCode.OK);
        Assert.Equal("Healthy", again.Body.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Readyz_WhenABindingCannotListen_Is503AndNamesIt()
    {
        var store = await stores.CreateAsync(DatabaseProvider.Sqlite);
        await using var host = MailflowHost.Start(store);
        await host.WaitForLatestGenerationAsync();
        using var http = new HttpClient { BaseAddress = host.HttpAddress, Timeout = TimeSpan.FromSeconds(30) };
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, "/readyz")).Status);

        using var squatter = new TcpListener(IPAddress.Loopback, 0);
        squatter.Start();
        var takenPort = ((IPEndPoint)squatter.LocalEndpoint).Port;
        var connectors = host.Get<ReceiveConnectorService>();
        var frontend = (await connectors.ListAsync()).Single(c => c.Name == "Default Frontend");
        frontend.Bindings = [new IpBinding("127.0.0.1", takenPort)];
        await connectors.UpdateAsync(AdminActor.System, frontend);
        await host.WaitForLatestGenerationAsync();

        var down = await GetAsync(http, "/readyz");
        Assert.Equal(HttpStatusCode.ServiceUnavailable, down.Status);
        var listeners = down.Body.GetProperty("checks").GetProperty("listeners");
        Assert.Equal("Unhealthy", listeners.GetProperty("status").GetString());
        Assert.Contains($"Default Frontend on 127.0.0.1:{takenPort}", listeners.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal("Healthy", down.Body.GetProperty("checks").GetProperty("store").GetProperty("status").GetString());

        squatter.Stop();
        frontend = (await connectors.ListAsync()).Single(c => c.Name == "Default Frontend");
        frontend.Bindings = [new IpBinding("127.0.0.1", FreePort.Get())];
        await connectors.UpdateAsync(AdminActor.System, frontend);
        await host.WaitForLatestGenerationAsync();
        Assert.Equal(HttpStatusCode.OK, (await GetAsync(http, "/readyz")).Status);
    }

    [Fact]
    public async Task Healthz_AnswersAnonymouslyWithJsonAndRunsNoCheck()
    {
        var store = await stores.CreateAsync(DatabaseProvider.Sqlite);
        await using var host = MailflowHost.Start(store);
        using var http = new HttpClient { BaseAddress = host.HttpAddress, Timeout = TimeSpan.FromSeconds(30) };

        using var response = await http.GetAsync(new Uri("/healthz", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("Healthy", body.RootElement.GetProperty("status").GetString());
        Assert.Empty(body.RootElement.GetProperty("checks").EnumerateObject());
    }

    private static async Task<(HttpStatusCode Status, JsonElement Body)> GetAsync(HttpClient http, string path)
    {
        using var response = await http.GetAsync(new Uri(path, UriKind.Relative));
        using var document = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        return (response.StatusCode, document.RootElement.Clone());
    }

    /// <summary>A pooled connection broken by the outage may fail one more probe; readiness returns within a few.</summary>
    private static async Task<(HttpStatusCode Status, JsonElement Body)> WaitForStatusAsync(HttpClient http, HttpStatusCode expected)
    {
        (HttpStatusCode Status, JsonElement Body) last = default;
        for (var attempt = 0; attempt < 50; attempt++)
        {
            last = await GetAsync(http, "/readyz");
            if (last.Status == expected)
                return last;
            await Task.Delay(200);
        }
        Assert.Fail($"/readyz stayed {last.Status}: {last.Body}");
        return last;
    }

    public void Dispose() => stores.Dispose();

    /// <summary>The store gone for the node: the SQLite file moved away, or the PostgreSQL database refusing connections with its sessions ended.</summary>
    private sealed class StoreOutage : IAsyncDisposable
    {
        private readonly Func<Task> _end;

        private StoreOutage(Func<Task> end) => _end = end;

        public static async Task<StoreOutage> BeginAsync(StoreSettings store, PostgresFixture postgres)
        {
            if (store.Provider == DatabaseProvider.Sqlite)
            {
                var file = new Microsoft.Data.Sqlite.SqliteConnectionStringBuilder(store.ConnectionString).DataSource;
                File.Move(file, file + ".away");
                return new StoreOutage(() =>
                {
                    File.Move(file + ".away", file);
                    return Task.CompletedTask;
                });
            }
            var database = new NpgsqlConnectionStringBuilder(store.ConnectionString).Database!;
            await AdminAsync(postgres, $"""ALTER DATABASE "{database}" ALLOW_CONNECTIONS false""");
            await AdminAsync(postgres, $"SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()");
            return new StoreOutage(() => AdminAsync(postgres, $"""ALTER DATABASE "{database}" ALLOW_CONNECTIONS true"""));
        }

        private static async Task AdminAsync(PostgresFixture postgres, string sql)
        {
            await using var connection = new NpgsqlConnection(postgres.AdminConnectionString);
            await connection.OpenAsync();
            await using var command = new NpgsqlCommand(sql, connection);
            await command.ExecuteNonQueryAsync();
        }

        public async ValueTask DisposeAsync() => await _end();
    }
}
