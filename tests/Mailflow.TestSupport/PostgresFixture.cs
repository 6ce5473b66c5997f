using System.Collections.Concurrent;
using Npgsql;
using Xunit;

namespace Mailflow.TestSupport;

/// <summary>
/// One PostgreSQL server per test assembly, shared through the <c>postgres</c> collection
/// (<see cref="PostgresCollection"/>); every test asks for its own empty database, so tests never
/// share state. By default a throwaway cluster is started from the system binaries; set
/// <c>MAILFLOW_TEST_PG</c> to a connection string (a role with CREATEDB) to use an existing server.
/// Missing binaries fail the tests with the install command: a skipped database test would hide
/// a missing dependency.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public const string ServerVariable = "MAILFLOW_TEST_PG";

    private readonly ConcurrentBag<string> databasesOnExternalServer = [];
    private ThrowawayPostgresCluster? cluster;
    private string? adminConnectionString;

    /// <summary>A superuser (or CREATEDB) connection to the server's maintenance database.</summary>
    public string AdminConnectionString =>
        adminConnectionString ?? throw new InvalidOperationException("The PostgreSQL fixture has not been initialized.");

    public async Task InitializeAsync()
    {
        var external = Environment.GetEnvironmentVariable(ServerVariable);
        if (!string.IsNullOrWhiteSpace(external))
        {
            adminConnectionString = external;
            return;
        }

        if (!OperatingSystem.IsLinux())
            throw new PlatformNotSupportedException($"The throwaway PostgreSQL cluster uses Debian's server binaries; elsewhere set {ServerVariable} to a server's connection string.");
        cluster = await ThrowawayPostgresCluster.StartAsync();
        adminConnectionString = cluster.AdminConnectionString;
    }

    /// <summary>Creates a new, empty database with a unique name and returns a connection string to it.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = "mailflow_test_" + Guid.NewGuid().ToString("N");
        await using (var connection = new NpgsqlConnection(AdminConnectionString))
        {
            await connection.OpenAsync();
            // One statement per command: Npgsql batches multiple statements, and CREATE DATABASE
            // cannot run inside a batch (25001).
            await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
            await create.ExecuteNonQueryAsync();
        }

        if (cluster is null)
            databasesOnExternalServer.Add(name);
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (cluster is not null)
        {
            await cluster.DisposeAsync();
            return;
        }

        // Someone else's server: leave it as we found it.
        if (adminConnectionString is null || databasesOnExternalServer.IsEmpty)
            return;
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        foreach (var name in databasesOnExternalServer)
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
