using Npgsql;
using Xunit;

namespace Mailflow.TestSupport;

/// <summary>
/// A PostgreSQL server of a test class's own (<c>IClassFixture&lt;RestartablePostgresServer&gt;</c>), which
/// the test may stop and start again under load — the shared <see cref="PostgresFixture"/> server must
/// never go away under other tests. Same throwaway cluster, same port after a restart.
/// </summary>
public sealed class RestartablePostgresServer : IAsyncLifetime
{
    private ThrowawayPostgresCluster? cluster;

    private ThrowawayPostgresCluster Cluster =>
        cluster ?? throw new InvalidOperationException("The restartable PostgreSQL server has not been initialized.");

    public async Task InitializeAsync()
    {
        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException("The throwaway PostgreSQL cluster uses Debian's server binaries.");
        cluster = await ThrowawayPostgresCluster.StartAsync();
    }

    /// <summary>Creates a new, empty database and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "mailflow_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(Cluster.AdminConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }
        return new NpgsqlConnectionStringBuilder(Cluster.AdminConnectionString) { Database = name }.ConnectionString;
    }

    /// <summary>Stops the server (fast shutdown: connections cut, data kept).</summary>
    public Task StopAsync() => Cluster.StopAsync();

    /// <summary>Starts the stopped server again on the same port.</summary>
    public Task StartAsync() => Cluster.StartAgainAsync();

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (cluster is not null)
            await cluster.DisposeAsync();
    }
}
