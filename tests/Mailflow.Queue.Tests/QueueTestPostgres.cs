using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Runtime.InteropServices;
using Npgsql;

namespace Mailflow.Queue.Tests;

/// <summary>
/// A private, throwaway PostgreSQL cluster for this test project (initdb + pg_ctl into a /tmp
/// directory on a free loopback port; shared stack recipe §1). Each test gets its own database from
/// <see cref="CreateDatabaseAsync"/>. Stand-in for the shared TestSupport PostgresFixture; swap it
/// when that lands.
/// <para><c>fsync=off</c>: the tests kill clients (the sink host), never the database server, and a
/// committed transaction is visible to every later session whether or not it reached the disk. The
/// server's own crash safety is PostgreSQL's business, not what these tests measure.</para>
/// </summary>
public sealed class QueueTestPostgres : IAsyncLifetime
{
    private const string InstallHint = "PostgreSQL server binaries are missing: apt-get install -y -o DPkg::Lock::Timeout=300 postgresql";

    private string _binDirectory = "";
    private string _directory = "";
    private int _port;

    private string ServerConnectionString => $"Host=127.0.0.1;Port={_port};Database=postgres;Username=postgres;Pooling=false";

    public async Task InitializeAsync()
    {
        _binDirectory = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "initdb")))
                .OrderBy(d => Version.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : new Version(0, 0))
                .LastOrDefault() ?? throw new InvalidOperationException(InstallHint)
            : throw new InvalidOperationException(InstallHint);

        // Under /tmp, not TMPDIR: the postgres user must be able to reach the directory, and the unix
        // socket path (inside it) must stay under ~107 characters.
        _directory = Directory.CreateTempSubdirectory("mailflow-pg-").FullName;
        if (!_directory.StartsWith("/tmp/", StringComparison.Ordinal))
        {
            Directory.Delete(_directory);
            _directory = Path.Combine("/tmp", $"mailflow-pg-{Guid.NewGuid():N}"[..24]);
            Directory.CreateDirectory(_directory);
        }
        if (IsRoot)
            await RunAsync("chown", ["postgres:postgres", _directory]);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(_directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);

        _port = FreeLoopbackPort();
        var data = Path.Combine(_directory, "data");
        await RunAsPostgresAsync("initdb", ["-D", data, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--locale=C.UTF-8", "-N"]);
        await RunAsPostgresAsync("pg_ctl",
        [
            "-D", data, "-l", Path.Combine(_directory, "pg.log"), "-w", "-t", "60",
            "-o", $"-p {_port} -k {_directory} -c listen_addresses=127.0.0.1 -c fsync=off -c full_page_writes=off -c max_connections=200",
            "start",
        ]);
    }

    /// <summary>A fresh, empty database; returns its connection string.</summary>
    public async Task<string> CreateDatabaseAsync()
    {
        var name = $"mailflow_{Guid.NewGuid():N}";
        await using var connection = new NpgsqlConnection(ServerConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return $"Host=127.0.0.1;Port={_port};Database={name};Username=postgres";
    }

    public async Task DisposeAsync()
    {
        NpgsqlConnection.ClearAllPools();
        if (_port != 0)
            await RunAsPostgresAsync("pg_ctl", ["-D", Path.Combine(_directory, "data"), "-m", "immediate", "-w", "stop"]);
        if (_directory.Length > 0 && Directory.Exists(_directory))
            Directory.Delete(_directory, recursive: true);
    }

    private Task RunAsPostgresAsync(string tool, IReadOnlyList<string> arguments)
    {
        var path = Path.Combine(_binDirectory, tool);
        // PostgreSQL refuses to run as root.
        return IsRoot ? RunAsync("runuser", ["-u", "postgres", "--", path, .. arguments]) : RunAsync(path, arguments);
    }

    private static async Task RunAsync(string fileName, IReadOnlyList<string> arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"Could not start {fileName}.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{fileName} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await output}{await error}");
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static bool IsRoot => geteuid() == 0;

    [DllImport("libc", SetLastError = false)]
    private static extern uint geteuid();
}

[CollectionDefinition(nameof(QueueTestPostgres))]
public sealed class QueueTestPostgresCollection : ICollectionFixture<QueueTestPostgres>;
