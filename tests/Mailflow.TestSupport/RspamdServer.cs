using Xunit;

using System.Diagnostics;
using System.Net.Sockets;

namespace Mailflow.TestSupport;

/// <summary>
/// A throwaway Rspamd (Debian package <c>rspamd</c>) on loopback, for the anti-spam tests: the
/// packaged configuration from /etc/rspamd with its own copy of rspamd.conf whose workers listen on
/// ports chosen free at run time, its own database, run and log directories in a temp directory,
/// and DNS pointed at a closed loopback port so it never asks the Internet (its DNS checks fail
/// fast). Loading takes ~20 s on the test machine: share one per test collection. Missing binaries
/// fail with the install command; they never skip.
/// </summary>
public sealed class RspamdServer : IAsyncDisposable
{
    public const string InstallCommand = "apt-get install -y rspamd";
    /// <summary>The GTUBE line: any Rspamd rejects a message carrying it (https://rspamd.com/doc/other/gtube_patterns.html).</summary>
    public const string Gtube = "XJS*C4JDBQADN1.NSBN3*2IDNEN*GTUBE-STANDARD-ANTI-UBE-TEST-EMAIL*C.34X";

    private readonly Process _process;
    private readonly string _directory;

    private RspamdServer(Process process, string directory, int port, int controllerPort)
    {
        _process = process;
        _directory = directory;
        Url = new Uri($"http://127.0.0.1:{port}/");
        ControllerUrl = new Uri($"http://127.0.0.1:{controllerPort}/");
    }

    /// <summary>The normal worker (<c>/checkv2</c>).</summary>
    public Uri Url { get; }
    /// <summary>The controller (<c>/learnspam</c>, <c>/learnham</c>).</summary>
    public Uri ControllerUrl { get; }

    public string LogPath => Path.Combine(_directory, "log", "rspamd.log");

    public static async Task<RspamdServer> StartAsync(TimeSpan? startTimeout = null)
    {
        if (!File.Exists("/usr/bin/rspamd") || !File.Exists("/etc/rspamd/rspamd.conf"))
            throw new InvalidOperationException($"The anti-spam tests need Rspamd. Install it with: {InstallCommand} (test.sh does this).");
        var directory = Directory.CreateTempSubdirectory("mailflow-rspamd-").FullName;
        var port = FreePort.Get();
        var controllerPort = FreePort.Get();
        foreach (var sub in new[] { "db", "run", "log", "local/local.d" })
            Directory.CreateDirectory(Path.Combine(directory, sub));

        var conf = (await File.ReadAllTextAsync("/etc/rspamd/rspamd.conf"))
            .Replace("\"localhost:11333\"", $"\"127.0.0.1:{port}\"", StringComparison.Ordinal)
            .Replace("\"localhost:11334\"", $"\"127.0.0.1:{controllerPort}\"", StringComparison.Ordinal)
            // The proxy and fuzzy workers are not needed; their fixed ports could clash.
            .Replace("\"localhost:11332\"", $"\"127.0.0.1:{FreePort.Get()}\"", StringComparison.Ordinal)
            .Replace("\"localhost:11335\"", $"\"127.0.0.1:{FreePort.Get()}\"", StringComparison.Ordinal);
        await File.WriteAllTextAsync(Path.Combine(directory, "rspamd.conf"), conf);
        // Port 9 (discard) on loopback is closed: every DNS question fails at once, none leaves the machine.
        await File.WriteAllTextAsync(Path.Combine(directory, "local/local.d/options.inc"),
            "dns { nameserver = [\"127.0.0.1:9\"]; timeout = 0.2s; retransmits = 1; }\n");
        await File.WriteAllTextAsync(Path.Combine(directory, "local/local.d/logging.inc"), "level = \"warning\";\n");

        var root = Environment.IsPrivilegedProcess;
        if (root)
            await RunAsync("chown", ["-R", "_rspamd:_rspamd", directory]);
        string[] arguments =
        [
            "-f", .. root ? new[] { "-u", "_rspamd", "-g", "_rspamd" } : [],
            "-c", Path.Combine(directory, "rspamd.conf"),
            "--var=CONFDIR=/etc/rspamd",
            $"--var=LOCAL_CONFDIR={Path.Combine(directory, "local")}",
            $"--var=DBDIR={Path.Combine(directory, "db")}",
            $"--var=RUNDIR={Path.Combine(directory, "run")}",
            $"--var=LOGDIR={Path.Combine(directory, "log")}",
        ];
        var startInfo = new ProcessStartInfo("/usr/bin/rspamd") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("rspamd did not start.");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new RspamdServer(process, directory, port, controllerPort);

        var deadline = Stopwatch.StartNew();
        var limit = startTimeout ?? TimeSpan.FromSeconds(120);
        while (!await server.AnswersAsync())
        {
            if (process.HasExited || deadline.Elapsed > limit)
            {
                var log = File.Exists(server.LogPath) ? await File.ReadAllTextAsync(server.LogPath) : "(no log)";
                await server.DisposeAsync();
                throw new InvalidOperationException($"Rspamd did not answer on 127.0.0.1:{port} within {limit.TotalSeconds:0} s (exited: {process.HasExited}). Log:\n{log[^Math.Min(log.Length, 4000)..]}");
            }
            await Task.Delay(250);
        }
        return server;
    }

    private async Task<bool> AnswersAsync()
    {
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
            using var response = await http.GetAsync(new Uri(Url, "ping"));
            return response.IsSuccessStatusCode;
        }
        catch (Exception exception) when (exception is HttpRequestException or TaskCanceledException or SocketException)
        {
            return false;
        }
    }

    private static async Task RunAsync(string file, string[] arguments)
    {
        var startInfo = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);
        using var process = Process.Start(startInfo)!;
        await process.WaitForExitAsync();
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(15));
            }
        }
        catch (Exception exception) when (exception is InvalidOperationException or TimeoutException)
        {
            // Already gone.
        }
        _process.Dispose();
        try
        {
            Directory.Delete(_directory, recursive: true);
        }
        catch (IOException)
        {
            // A worker still closing a file; the temp directory is cleaned by the OS.
        }
    }
}

/// <summary>xunit collection fixture: one Rspamd for every test class in the <c>rspamd</c> collection.</summary>
public sealed class RspamdFixture : IAsyncLifetime
{
    public const string CollectionName = "rspamd";

    public RspamdServer Server { get; private set; } = default!;

    public async Task InitializeAsync() => Server = await RspamdServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
