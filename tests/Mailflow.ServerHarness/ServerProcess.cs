using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using Mailflow.Data;
using Mailflow.TestSupport;

namespace Mailflow.ServerHarness;

/// <summary>
/// The real server as a separate process (<c>dotnet Mailflow.Server.dll</c>), so a test can kill it
/// with SIGKILL the way a crash or an OOM killer would. The seeded Default Frontend listens on
/// 127.0.0.1 at a port chosen free at run time.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly List<string> _output = [];
    private bool _disposed;

    private ServerProcess(Process process, int smtpPort)
    {
        _process = process;
        SmtpPort = smtpPort;
    }

    public int SmtpPort { get; }

    /// <summary>The admin center's and API's port, when the test chose one (<c>Urls</c>); 0 otherwise.</summary>
    public int HttpPort { get; set; }

    /// <summary>The server's process id (for /proc/&lt;pid&gt;/status).</summary>
    public int ProcessId => _process.Id;

    /// <summary>True once the process ended (killed, or exited on its own).</summary>
    public bool HasExited => _process.HasExited;

    public string Output
    {
        get
        {
            lock (_output)
                return string.Join('\n', _output);
        }
    }

    /// <param name="startTimeout">How long the server may take to listen (default 2 minutes: on two cores busy with the
    /// rest of the suite, two test assemblies and their servers at once, a start-up has taken over a minute).</param>
    public static async Task<ServerProcess> StartAsync(StoreSettings store, string dataDirectory, int smtpPort, IDictionary<string, string>? extraEnvironment = null,
        TimeSpan? startTimeout = null)
    {
        var start = StartInfo(store, dataDirectory, smtpPort, [], extraEnvironment);
        var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the server");
        var server = new ServerProcess(process, smtpPort);
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await server.WaitForSmtpAsync(startTimeout ?? TimeSpan.FromMinutes(2));
        }
        catch
        {
            // Never leave a server that did not come up running behind the failed test.
            await server.DisposeAsync();
            throw;
        }
        return server;
    }

    /// <summary>
    /// The server binary run once with <paramref name="arguments"/> (<c>--backup DIR</c>, <c>--migrate-only</c>) and the
    /// same configuration a running node of this store and data directory has; its exit code and output, within 120 s.
    /// </summary>
    public static async Task<(int ExitCode, string Output)> RunToExitAsync(StoreSettings store, string dataDirectory, string[] arguments,
        IDictionary<string, string>? extraEnvironment = null)
    {
        var start = StartInfo(store, dataDirectory, FreePort.Get(), arguments, extraEnvironment);
        using var process = Process.Start(start) ?? throw new InvalidOperationException("could not start the server");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(120));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"{string.Join(' ', arguments)} did not exit within 120 s:\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    private static ProcessStartInfo StartInfo(StoreSettings store, string dataDirectory, int smtpPort, string[] arguments, IDictionary<string, string>? extraEnvironment)
    {
        var serverDll = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [serverDll, .. arguments])
        {
            WorkingDirectory = Path.GetDirectoryName(serverDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        var environment = new Dictionary<string, string>
        {
            ["DOTNET_ENVIRONMENT"] = "Production",
            ["ASPNETCORE_ENVIRONMENT"] = "Production",
            ["Urls"] = "http://127.0.0.1:0",
            ["Database__Provider"] = store.Provider.ToString(),
            ["ConnectionStrings__Mailflow"] = store.ConnectionString,
            ["Mailflow__DataDirectory"] = dataDirectory,
            ["Mailflow__DefaultDomain"] = MailflowHost.DefaultDomain,
            ["Mailflow__NodeName"] = "node-crash",
            ["Mailflow__Admin__InitialPassword"] = "Crash-Test-Password-1",
            ["Mailflow__Seed__BindAddress"] = "127.0.0.1",
            ["Mailflow__Seed__DefaultFrontendPort"] = smtpPort.ToString(CultureInfo.InvariantCulture),
            ["Mailflow__Seed__ClientFrontendPort"] = FreePort.Get().ToString(CultureInfo.InvariantCulture),
            ["Mailflow__Seed__ImplicitTlsPort"] = FreePort.Get().ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extraEnvironment ?? new Dictionary<string, string>())
            environment[key] = value;
        foreach (var (key, value) in environment)
            start.Environment[key] = value;
        return start;
    }

    /// <summary>SIGKILL: no shutdown code runs, nothing is flushed.</summary>
    public async Task KillAsync()
    {
        _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
    }

    private void Append(string? line)
    {
        if (line is null)
            return;
        lock (_output)
            _output.Add(line);
    }

    private async Task WaitForSmtpAsync(TimeSpan timeout)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < timeout)
        {
            if (_process.HasExited)
                throw new InvalidOperationException($"the server exited with {_process.ExitCode}:\n{Output}");
            try
            {
                using var probe = new TcpClient();
                await probe.ConnectAsync("127.0.0.1", SmtpPort);
                return;
            }
            catch (SocketException)
            {
                await Task.Delay(200);
            }
        }
        throw new TimeoutException($"the server did not listen on {SmtpPort} within {timeout}:\n{Output}");
    }

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
            return;
        _disposed = true;
        if (!_process.HasExited)
            await KillAsync();
        _process.Dispose();
    }
}
