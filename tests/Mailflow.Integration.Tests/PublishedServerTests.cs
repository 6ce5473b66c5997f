using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Text.Json;
using System.Text.RegularExpressions;
using Mailflow.TestSupport;

namespace Mailflow.Integration.Tests;

/// <summary>The server published once (<c>dotnet publish</c>) into a folder that every user may read, for the packaging tests.</summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed class PublishedServer : IAsyncLifetime
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("mailflow-published-");

    public string Folder => Path.Combine(_root.FullName, "opt", "mailflow");

    public static string RepositoryRoot
    {
        get
        {
            var directory = new DirectoryInfo(AppContext.BaseDirectory);
            while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Admin.sln")))
                directory = directory.Parent;
            return directory?.FullName ?? throw new InvalidOperationException("Admin.sln not found above the test binaries.");
        }
    }

    public async Task InitializeAsync()
    {
        // The Release build the tests run against is published as it is (no second compile).
        var project = Path.Combine(RepositoryRoot, "src", "Server", "Mailflow.Server.csproj");
        var (exitCode, output) = await Run.ProcessAsync("dotnet", ["publish", project, "-c", "Release", "--no-build", "-o", Folder, "-nologo", "-v", "q"], TimeSpan.FromMinutes(5));
        Assert.True(exitCode == 0, $"dotnet publish failed:\n{output}");
        // Temp directories are created 0700, and a server started in this test process earlier set its umask to 077
        // (DataDirectoryPermissions), so publish may have written 0700/0600: the service user must read the program
        // (as /opt/mailflow is 0755 and its files 0644).
        MakeReadableByAll(_root);
    }

    private static void MakeReadableByAll(DirectoryInfo directory)
    {
        File.SetUnixFileMode(directory.FullName, (UnixFileMode)Convert.ToInt32("755", 8));
        foreach (var file in directory.EnumerateFiles())
        {
            var mode = file.UnixFileMode | UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead;
            if (mode.HasFlag(UnixFileMode.UserExecute))
                mode |= UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
            File.SetUnixFileMode(file.FullName, mode);
        }
        foreach (var child in directory.EnumerateDirectories())
            MakeReadableByAll(child);
    }

    public Task DisposeAsync()
    {
        _root.Delete(recursive: true);
        return Task.CompletedTask;
    }
}

/// <summary>
/// The packaging, tested as far as this machine allows: the published folder runs as an unprivileged user
/// (<c>nobody</c> through <c>setpriv</c> when the tests run as root) with the environment of
/// <c>packaging/systemd/mailflow.env</c> and the unit's own commands (<c>ExecStartPre</c> migrates, <c>ExecStart</c>
/// serves, <c>/readyz</c> answers 200), and with the Dockerfile's <c>ENV</c>, <c>ENTRYPOINT</c> and <c>HEALTHCHECK</c>
/// (the image itself is not built: there is no Docker daemon here). Ports are unprivileged and chosen free.
/// </summary>
[System.Runtime.Versioning.SupportedOSPlatform("linux")]
public sealed partial class PublishedServerTests(PublishedServer published) : IClassFixture<PublishedServer>
{
    private const int Nobody = 65534;

    [Fact]
    public async Task SystemdUnit_PublishedFolderAsAnUnprivilegedUser_MigratesThenServesAndIsReady()
    {
        var unit = await File.ReadAllLinesAsync(Path.Combine(PublishedServer.RepositoryRoot, "packaging", "systemd", "mailflow.service"));
        var environment = ReadEnvironmentFile(Path.Combine(PublishedServer.RepositoryRoot, "packaging", "systemd", "mailflow.env"));
        foreach (var assignment in Directive(unit, "Environment").SelectMany(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries)))
            environment[assignment[..assignment.IndexOf('=', StringComparison.Ordinal)]] = assignment[(assignment.IndexOf('=', StringComparison.Ordinal) + 1)..];
        Assert.Equal("CAP_NET_BIND_SERVICE", Assert.Single(Directive(unit, "AmbientCapabilities")));
        Assert.Equal("mailflow", Assert.Single(Directive(unit, "User")));
        Assert.Equal("true", Assert.Single(Directive(unit, "NoNewPrivileges")));
        Assert.Equal("strict", Assert.Single(Directive(unit, "ProtectSystem")));
        Assert.Equal("true", Assert.Single(Directive(unit, "PrivateTmp")));
        // The one writable path is the data directory the environment file names.
        Assert.Equal(environment["Mailflow__DataDirectory"], Assert.Single(Directive(unit, "ReadWritePaths")));

        await using var data = ServiceDataDirectory.Create();
        var ports = OnThisMachine(environment, data.Path);
        var migrate = Command(Assert.Single(Directive(unit, "ExecStartPre")), "/opt/mailflow");
        var start = Command(Assert.Single(Directive(unit, "ExecStart")), "/opt/mailflow");

        var (migrated, migrateOutput) = await Run.ProcessAsync(migrate[0], migrate[1..], TimeSpan.FromMinutes(2), environment, AsServiceUser);
        Assert.True(migrated == 0, migrateOutput);
        Assert.Contains("migration(s) to the Sqlite store", migrateOutput, StringComparison.Ordinal);

        await using var server = Run.Start(start[0], start[1..], environment, AsServiceUser);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}"), Timeout = TimeSpan.FromSeconds(10) };
        await WaitForReadyAsync(http, server);
        Assert.Equal(ExpectedUser, server.UserId());
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(new Uri("/healthz", UriKind.Relative))).StatusCode);
        // The seeded receive connector listens on the port the environment gave it.
        using var smtp = new System.Net.Sockets.TcpClient();
        await smtp.ConnectAsync(IPAddress.Loopback, ports.Smtp);
        // The environment file's settings took effect: Mailflow__Logging__Json=true makes the log JSON.
        Assert.Contains(server.OutputLines(), line => line.StartsWith('{') && JsonDocument.Parse(line).RootElement.TryGetProperty("EventId", out _));
    }

    [Fact]
    public async Task DockerImage_EntryPointWithItsEnvironmentAsNonRoot_PassesItsHealthCheck()
    {
        var dockerfile = await File.ReadAllTextAsync(Path.Combine(PublishedServer.RepositoryRoot, "packaging", "docker", "Dockerfile"));
        var environment = DockerEnvironment(dockerfile);
        Assert.Equal("/var/lib/mailflow", environment["Mailflow__DataDirectory"]);
        Assert.Matches(@"^USER \$APP_UID$", dockerfile.Split('\n').Single(l => l.StartsWith("USER ", StringComparison.Ordinal)).Trim());
        var entryPoint = JsonSerializer.Deserialize<string[]>(dockerfile.Split('\n').Single(l => l.StartsWith("ENTRYPOINT ", StringComparison.Ordinal))["ENTRYPOINT ".Length..])!
            .Select(part => part.Replace("/opt/mailflow", published.Folder, StringComparison.Ordinal)).ToArray();
        var healthCheck = HealthCheckCommand().Match(dockerfile);
        Assert.True(healthCheck.Success, "no HEALTHCHECK … CMD line");
        var imageHttpPort = new Uri(environment["Urls"].Replace("0.0.0.0", "127.0.0.1", StringComparison.Ordinal)).Port;

        await using var data = ServiceDataDirectory.Create();
        var ports = OnThisMachine(environment, data.Path);
        await using var server = Run.Start(entryPoint[0], entryPoint[1..], environment, AsServiceUser);
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports.Http}"), Timeout = TimeSpan.FromSeconds(10) };
        await WaitForReadyAsync(http, server);
        Assert.Equal(ExpectedUser, server.UserId());

        // The image's own health check command, pointed at this run's port.
        var check = healthCheck.Groups["command"].Value.Replace($":{imageHttpPort}/", $":{ports.Http}/", StringComparison.Ordinal);
        var (exitCode, output) = await Run.ProcessAsync("sh", ["-c", check], TimeSpan.FromSeconds(30));
        Assert.True(exitCode == 0, $"{check}\n{output}");
        Assert.Contains("\"status\":\"Healthy\"", output, StringComparison.Ordinal);
    }

    /// <summary>Root runs the service as nobody (as systemd would run it as mailflow); anyone else already is unprivileged.</summary>
    private static bool AsServiceUser => Environment.UserName == "root";

    private static int ExpectedUser => AsServiceUser ? Nobody : Run.CurrentUserId();

    /// <summary>The production ports and paths of the packaging replaced by free loopback ports and a temp data directory.</summary>
    private static (int Http, int Smtp) OnThisMachine(Dictionary<string, string> environment, string dataDirectory)
    {
        var http = FreePort.Get();
        var smtp = FreePort.Get();
        environment["Urls"] = $"http://127.0.0.1:{http}";
        environment["Mailflow__DataDirectory"] = dataDirectory;
        environment["HOME"] = dataDirectory;
        environment["Mailflow__Seed__BindAddress"] = "127.0.0.1";
        environment["Mailflow__Seed__DefaultFrontendPort"] = smtp.ToString(CultureInfo.InvariantCulture);
        environment["Mailflow__Seed__ClientFrontendPort"] = FreePort.Get().ToString(CultureInfo.InvariantCulture);
        environment["Mailflow__Seed__ImplicitTlsPort"] = FreePort.Get().ToString(CultureInfo.InvariantCulture);
        environment["Mailflow__Admin__InitialPassword"] = "Packaging-Test-Password-1";
        return (http, smtp);
    }

    private string[] Command(string execLine, string installedFolder) =>
        [.. execLine.Split(' ', StringSplitOptions.RemoveEmptyEntries).Select(part => part.Replace(installedFolder, published.Folder, StringComparison.Ordinal))];

    private static IEnumerable<string> Directive(string[] unit, string name) =>
        unit.Where(line => line.StartsWith(name + "=", StringComparison.Ordinal)).Select(line => line[(name.Length + 1)..].Trim());

    private static Dictionary<string, string> ReadEnvironmentFile(string path) =>
        File.ReadAllLines(path)
            .Select(line => line.Trim())
            .Where(line => line.Length > 0 && !line.StartsWith('#'))
            .ToDictionary(line => line[..line.IndexOf('=', StringComparison.Ordinal)], line => line[(line.IndexOf('=', StringComparison.Ordinal) + 1)..], StringComparer.Ordinal);

    /// <summary>The Dockerfile's <c>ENV a=b \ c=d</c> block.</summary>
    private static Dictionary<string, string> DockerEnvironment(string dockerfile)
    {
        var block = DockerEnv().Match(dockerfile.Replace("\r", "", StringComparison.Ordinal));
        Assert.True(block.Success, "no ENV block in the Dockerfile");
        return block.Groups["pairs"].Value.Replace("\\\n", " ", StringComparison.Ordinal)
            .Split(' ', StringSplitOptions.RemoveEmptyEntries)
            .ToDictionary(pair => pair[..pair.IndexOf('=', StringComparison.Ordinal)], pair => pair[(pair.IndexOf('=', StringComparison.Ordinal) + 1)..], StringComparer.Ordinal);
    }

    /// <summary>Two minutes, as for <see cref="ServerProcess"/>: a start-up on two cores busy with the rest of the suite has taken over one.</summary>
    private static readonly TimeSpan ReadyWithin = TimeSpan.FromMinutes(2);

    private static async Task WaitForReadyAsync(HttpClient http, RunningProcess server)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < ReadyWithin)
        {
            if (server.HasExited)
                Assert.Fail($"the server exited with {server.ExitCode}:\n{server.Output}");
            try
            {
                using var response = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
                if (response.StatusCode == HttpStatusCode.OK)
                    return;
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(200);
        }
        Assert.Fail($"/readyz did not answer 200 within {ReadyWithin}:\n{server.Output}");
    }

    [GeneratedRegex(@"^ENV (?<pairs>(?:[^\n]*\\\n)*[^\n]*)$", RegexOptions.Multiline)]
    private static partial Regex DockerEnv();

    [GeneratedRegex(@"^HEALTHCHECK [^\n]*? CMD (?<command>[^\n]+)$", RegexOptions.Multiline)]
    private static partial Regex HealthCheckCommand();

    /// <summary>A fresh data directory the service user owns (0700), as systemd's StateDirectory or the image's volume.</summary>
    private sealed class ServiceDataDirectory : IAsyncDisposable
    {
        private readonly DirectoryInfo _root;

        private ServiceDataDirectory(DirectoryInfo root, string path)
        {
            _root = root;
            Path = path;
        }

        public string Path { get; }

        public static ServiceDataDirectory Create()
        {
            var root = Directory.CreateTempSubdirectory("mailflow-service-");
            File.SetUnixFileMode(root.FullName, (UnixFileMode)Convert.ToInt32("755", 8));
            var path = Directory.CreateDirectory(System.IO.Path.Combine(root.FullName, "var-lib-mailflow")).FullName;
            if (AsServiceUser)
                Run.ProcessAsync("chown", [$"{Nobody}:{Nobody}", path], TimeSpan.FromSeconds(10)).GetAwaiter().GetResult();
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            return new ServiceDataDirectory(root, path);
        }

        public ValueTask DisposeAsync()
        {
            Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
            _root.Delete(recursive: true);
            return ValueTask.CompletedTask;
        }
    }
}

/// <summary>A child process whose output is collected; killed (with its children) when disposed.</summary>
public sealed class RunningProcess(Process process) : IAsyncDisposable
{
    private readonly List<string> _lines = [];

    public bool HasExited => process.HasExited;

    public int ExitCode => process.ExitCode;

    public string Output => string.Join('\n', OutputLines());

    public IReadOnlyList<string> OutputLines()
    {
        lock (_lines)
            return [.. _lines];
    }

    /// <summary>The real user id the process runs as (from /proc).</summary>
    public int UserId()
    {
        var uid = File.ReadLines($"/proc/{process.Id}/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal));
        return int.Parse(uid.Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);
    }

    internal void Append(string? line)
    {
        if (line is null)
            return;
        lock (_lines)
            _lines.Add(line);
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
        process.Dispose();
    }
}

/// <summary>Starting programs for the packaging tests, optionally as <c>nobody</c> through <c>setpriv</c> (which execs, so the pid is the program's).</summary>
public static class Run
{
    public static RunningProcess Start(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment = null, bool asNobody = false)
    {
        var start = StartInfo(file, arguments, environment, asNobody);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {file}");
        var running = new RunningProcess(process);
        process.OutputDataReceived += (_, e) => running.Append(e.Data);
        process.ErrorDataReceived += (_, e) => running.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return running;
    }

    public static async Task<(int ExitCode, string Output)> ProcessAsync(string file, IEnumerable<string> arguments, TimeSpan timeout, IDictionary<string, string>? environment = null, bool asNobody = false)
    {
        await using var running = Start(file, arguments, environment, asNobody);
        var deadline = Stopwatch.StartNew();
        while (!running.HasExited)
        {
            if (deadline.Elapsed > timeout)
                throw new TimeoutException($"{file} {string.Join(' ', arguments)} did not exit within {timeout}:\n{running.Output}");
            await Task.Delay(100);
        }
        // Let the output readers drain.
        await Task.Delay(100);
        return (running.ExitCode, running.Output);
    }

    public static int CurrentUserId() =>
        int.Parse(File.ReadLines("/proc/self/status").Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture);

    private static ProcessStartInfo StartInfo(string file, IEnumerable<string> arguments, IDictionary<string, string>? environment, bool asNobody)
    {
        var start = asNobody
            ? new ProcessStartInfo("setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", "--", file, .. arguments])
            : new ProcessStartInfo(file, arguments);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        // Not the test's own directory, which the unprivileged user may not be allowed to enter.
        start.WorkingDirectory = Path.GetTempPath();
        foreach (var (key, value) in environment ?? new Dictionary<string, string>())
            start.Environment[key] = value;
        return start;
    }
}
