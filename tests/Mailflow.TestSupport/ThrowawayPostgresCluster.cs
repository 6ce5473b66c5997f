using System.Diagnostics;
using System.Globalization;
using System.Runtime.Versioning;
using System.Text;
using Npgsql;

namespace Mailflow.TestSupport;

/// <summary>
/// A private PostgreSQL cluster for one test run: initdb into a temp directory under /tmp, started
/// with pg_ctl on a free loopback port with durability switched off (tests never need crash safety),
/// stopped with <c>-m immediate</c> and deleted afterwards. Nothing is written to /etc/postgresql or
/// /var/lib/postgresql and the packaged service is never touched.
/// </summary>
internal sealed class ThrowawayPostgresCluster : IAsyncDisposable
{
    private const string BinariesRoot = "/usr/lib/postgresql";
    private const string DirectoryPrefix = "mailflow-pg-";
    private const string OwnerFileName = "owner.pid";
    private static readonly TimeSpan ToolTimeout = TimeSpan.FromMinutes(2);

    private readonly string binDirectory;
    private readonly string clusterDirectory;
    private readonly bool runAsPostgresUser;

    private ThrowawayPostgresCluster(string binDirectory, string clusterDirectory, bool runAsPostgresUser)
    {
        this.binDirectory = binDirectory;
        this.clusterDirectory = clusterDirectory;
        this.runAsPostgresUser = runAsPostgresUser;
    }

    public string AdminConnectionString { get; private set; } = "";

    /// <summary>The options of the running server (port, socket directory, settings), kept so a restart listens where clients expect it.</summary>
    private string? serverOptions;

    private string DataDirectory => Path.Combine(clusterDirectory, "data");

    private string LogFile => Path.Combine(clusterDirectory, "postgres.log");

    [SupportedOSPlatform("linux")]
    public static async Task<ThrowawayPostgresCluster> StartAsync()
    {
        var binDirectory = FindBinaries();
        // PostgreSQL refuses to run as root; run its tools as the postgres user that the Debian package creates.
        var runAsPostgresUser = Environment.IsPrivilegedProcess;
        await ReapAbandonedClustersAsync(binDirectory, runAsPostgresUser);

        // Under /tmp, not TMPDIR: the postgres user must reach it, and the unix socket path (-k) must
        // stay under ~107 characters.
        var clusterDirectory = Path.Combine("/tmp", DirectoryPrefix + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(clusterDirectory);
        await File.WriteAllTextAsync(Path.Combine(clusterDirectory, OwnerFileName), Environment.ProcessId.ToString(CultureInfo.InvariantCulture));
        File.SetUnixFileMode(clusterDirectory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        if (runAsPostgresUser)
            await RunAsync("chown", ["postgres:postgres", clusterDirectory], clusterDirectory, "chown the cluster directory to postgres (does the 'postgres' user exist? apt-get install postgresql creates it)");

        var cluster = new ThrowawayPostgresCluster(binDirectory, clusterDirectory, runAsPostgresUser);
        try
        {
            await cluster.InitDbAsync();
            await cluster.StartServerAsync();
            return cluster;
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }
    }

    public async ValueTask DisposeAsync()
    {
        // A failed stop (the server already died) is not worth a failed test run: a postmaster whose
        // data directory disappears shuts itself down when it next checks its lock file.
        if (File.Exists(Path.Combine(DataDirectory, "postmaster.pid")))
            await RunPostgresToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "immediate", "-w", "stop"], "stop the test cluster", throwOnFailure: false);
        Directory.Delete(clusterDirectory, recursive: true);
    }

    /// <summary>
    /// Stops the server the way an operator's restart or a failover does (<c>pg_ctl stop -m fast</c>:
    /// every client connection is cut, open transactions roll back), keeping its data.
    /// </summary>
    public async Task StopAsync() =>
        await RunPostgresToolAsync("pg_ctl", ["-D", DataDirectory, "-m", "fast", "-w", "-t", "60", "stop"], "stop the test cluster (pg_ctl stop)");

    /// <summary>Starts the stopped server again on the same port with the same settings.</summary>
    public async Task StartAgainAsync()
    {
        if (serverOptions is null)
            throw new InvalidOperationException("The cluster was never started.");
        await RunPostgresToolAsync("pg_ctl", ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", serverOptions, "start"], "start the test cluster again (pg_ctl start)");
    }

    /// <summary>The highest installed major version's bin directory (Debian keeps them off PATH).</summary>
    private static string FindBinaries()
    {
        var candidates = Directory.Exists(BinariesRoot)
            ? Directory.GetDirectories(BinariesRoot)
                .Select(versionDirectory => (Version: ParseMajorVersion(Path.GetFileName(versionDirectory)), Bin: Path.Combine(versionDirectory, "bin")))
                .Where(c => c.Version is not null && File.Exists(Path.Combine(c.Bin, "initdb")) && File.Exists(Path.Combine(c.Bin, "pg_ctl")))
                .OrderByDescending(c => c.Version)
                .ToList()
            : [];
        if (candidates.Count == 0)
            throw new InvalidOperationException(
                $"The PostgreSQL server binaries (initdb, pg_ctl) were not found under {BinariesRoot}/*/bin. " +
                "Install them with: apt-get install postgresql (./test.sh does this when run as root), " +
                $"or point {PostgresFixture.ServerVariable} at an existing server with a CREATEDB role, e.g. " +
                $"{PostgresFixture.ServerVariable}='Host=127.0.0.1;Port=5432;Username=mailflow;Password=...'.");
        return candidates[0].Bin;
    }

    private static Version? ParseMajorVersion(string name) =>
        Version.TryParse(name.Contains('.') ? name : name + ".0", out var version) ? version : null;

    private async Task InitDbAsync()
    {
        // -N: no fsync of the new files; -A trust: loopback-only throwaway cluster, no passwords to manage.
        await RunPostgresToolAsync("initdb",
            ["-D", DataDirectory, "-U", "postgres", "-A", "trust", "-E", "UTF8", "--no-locale", "-N", "--no-instructions"],
            "initialize the test cluster (initdb)");
    }

    private async Task StartServerAsync()
    {
        // The free port is only free until someone else takes it; on a collision pick another.
        const int attempts = 5;
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort.Get();
            var serverOptions = string.Join(' ',
                $"-p {port}",
                $"-k {clusterDirectory}",
                "-c listen_addresses=127.0.0.1",
                "-c fsync=off",
                "-c synchronous_commit=off",
                "-c full_page_writes=off",
                // Every test database gets its own Npgsql pool; leave room for the idle connections they keep.
                "-c max_connections=300");
            var result = await RunPostgresToolAsync("pg_ctl",
                ["-D", DataDirectory, "-l", LogFile, "-w", "-t", "60", "-o", serverOptions, "start"],
                "start the test cluster (pg_ctl start)", throwOnFailure: false);
            if (result.ExitCode == 0)
            {
                this.serverOptions = serverOptions;
                AdminConnectionString = new NpgsqlConnectionStringBuilder
                {
                    Host = "127.0.0.1",
                    Port = port,
                    Username = "postgres",
                    Database = "postgres",
                    IncludeErrorDetail = true,
                }.ConnectionString;
                return;
            }

            var log = File.Exists(LogFile) ? await File.ReadAllTextAsync(LogFile) : "";
            var portTaken = log.Contains("Address already in use", StringComparison.Ordinal);
            if (!portTaken || attempt == attempts)
                throw new InvalidOperationException($"Could not start the test PostgreSQL cluster in {clusterDirectory} (exit code {result.ExitCode}).\n{result.Output}\n--- postgres.log ---\n{log}");
            File.Delete(LogFile);
        }
    }

    /// <summary>
    /// Stops and deletes clusters left behind by test processes that were killed before their
    /// fixture could clean up, so aborted runs do not pile up running servers on the machine.
    /// </summary>
    private static async Task ReapAbandonedClustersAsync(string binDirectory, bool runAsPostgresUser)
    {
        foreach (var directory in Directory.GetDirectories("/tmp", DirectoryPrefix + "*"))
        {
            var ownerFile = Path.Combine(directory, OwnerFileName);
            if (!File.Exists(ownerFile)
                || !int.TryParse(await File.ReadAllTextAsync(ownerFile), CultureInfo.InvariantCulture, out var ownerPid)
                || IsRunning(ownerPid))
                continue;

            var abandoned = new ThrowawayPostgresCluster(binDirectory, directory, runAsPostgresUser);
            try
            {
                await abandoned.DisposeAsync();
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or InvalidOperationException)
            {
                // Best effort: another test process may be reaping the same directory right now,
                // or it belongs to another user. Neither concerns this run.
            }
        }
    }

    private static bool IsRunning(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    private Task<ToolResult> RunPostgresToolAsync(string tool, IReadOnlyList<string> arguments, string purpose, bool throwOnFailure = true)
    {
        var executable = Path.Combine(binDirectory, tool);
        return runAsPostgresUser
            ? RunAsync("runuser", ["-u", "postgres", "--", executable, .. arguments], clusterDirectory, purpose, throwOnFailure)
            : RunAsync(executable, arguments, clusterDirectory, purpose, throwOnFailure);
    }

    /// <summary>
    /// Runs a tool to completion. The working directory is the cluster directory: PostgreSQL's tools
    /// fail when the postgres user cannot read the current directory (a fresh clone under a 0700 mktemp dir).
    /// </summary>
    private static async Task<ToolResult> RunAsync(string fileName, IReadOnlyList<string> arguments, string workingDirectory, string purpose, bool throwOnFailure = true)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);

        using var process = new Process { StartInfo = startInfo };
        var output = new StringBuilder();
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (output) output.AppendLine(e.Data); };
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeout = new CancellationTokenSource(ToolTimeout);
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new InvalidOperationException($"Timed out after {ToolTimeout} trying to {purpose}: {fileName} {string.Join(' ', arguments)}\n{output}");
        }

        var result = new ToolResult(process.ExitCode, output.ToString());
        if (throwOnFailure && result.ExitCode != 0)
            throw new InvalidOperationException($"Could not {purpose} (exit code {result.ExitCode}): {fileName} {string.Join(' ', arguments)}\n{result.Output}");
        return result;
    }

    private sealed record ToolResult(int ExitCode, string Output);
}
