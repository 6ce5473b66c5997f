using System.Collections.Concurrent;
using Npgsql;
using Xunit;

namespace Mailflow.TestSupport;

/// <summary>
/// One PostgreSQL server per test process: either as the <c>postgres</c> collection's fixture
/// (<see cref="PostgresCollection"/>: the collection's classes run one after another), or as a class
/// fixture (<c>IClassFixture&lt;PostgresFixture&gt;</c>: the classes run in parallel, each with its own
/// fixture). All fixtures alive at once share one throwaway cluster: the first starts it, the last to be
/// disposed stops it (a class starting after that starts a new one). Every test asks for its own empty
/// database, so tests never share state. By default a throwaway cluster is started from the system
/// binaries; set <c>MAILFLOW_TEST_PG</c> to a connection string (a role with CREATEDB) to use an
/// existing server. Missing binaries fail the tests with the install command: a skipped database test
/// would hide a missing dependency.
/// </summary>
public sealed class PostgresFixture : IAsyncLifetime
{
    public const string ServerVariable = "MAILFLOW_TEST_PG";

    private static readonly SemaphoreSlim sharedClusterGate = new(1, 1);
    private static ThrowawayPostgresCluster? sharedCluster;
    private static int sharedClusterUsers;

    private readonly ConcurrentBag<string> databasesOnExternalServer = [];
    private bool onThrowawayCluster;
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
        adminConnectionString = (await AcquireSharedClusterAsync()).AdminConnectionString;
        onThrowawayCluster = true;
    }

    /// <summary>The shared cluster, started when no fixture holds it yet.</summary>
    /// <remarks>
    /// Stopped with its last user (<see cref="ReleaseSharedClusterAsync"/>), inside xunit's run, and not
    /// when the process exits: the test platform kills a test host that does not exit promptly, which
    /// would leave the cluster running.
    /// </remarks>
    [System.Runtime.Versioning.SupportedOSPlatform("linux")]
    private static async Task<ThrowawayPostgresCluster> AcquireSharedClusterAsync()
    {
        await sharedClusterGate.WaitAsync();
        try
        {
            sharedCluster ??= await ThrowawayPostgresCluster.StartAsync();
            sharedClusterUsers++;
            return sharedCluster;
        }
        finally
        {
            sharedClusterGate.Release();
        }
    }

    private static async Task ReleaseSharedClusterAsync()
    {
        await sharedClusterGate.WaitAsync();
        try
        {
            if (--sharedClusterUsers > 0 || sharedCluster is null)
                return;
            NpgsqlConnection.ClearAllPools();
            await sharedCluster.DisposeAsync();
            sharedCluster = null;
        }
        finally
        {
            sharedClusterGate.Release();
        }
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

        if (!onThrowawayCluster)
            databasesOnExternalServer.Add(name);
        return new NpgsqlConnectionStringBuilder(AdminConnectionString) { Database = name }.ConnectionString;
    }

    public async Task DisposeAsync()
    {
        // The databases go with the cluster, when its last user is done.
        if (onThrowawayCluster)
        {
            await ReleaseSharedClusterAsync();
            return;
        }

        // Someone else's server: leave it as we found it.
        if (adminConnectionString is null || databasesOnExternalServer.IsEmpty)
            return;
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(adminConnectionString);
        await connection.OpenAsync();
        foreach (var name in databasesOnExternalServer)
        {
            await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)", connection);
            await drop.ExecuteNonQueryAsync();
        }
    }
}
