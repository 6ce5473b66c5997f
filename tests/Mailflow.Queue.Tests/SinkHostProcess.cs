using System.Diagnostics;
using System.Reflection;
using Mailflow.Data;
using Xunit.Abstractions;

namespace Mailflow.Queue.Tests;

/// <summary>
/// Runs tests/Mailflow.Queue.SinkHost as a separate process that commits messages through the real
/// <c>StoreMessageSink</c> and prints <c>QUEUED &lt;id&gt; &lt;sha256&gt;</c> after each commit (its "250"),
/// then kills it with SIGKILL mid-stream. Stand-in until the real server can be driven the same way.
/// </summary>
public static class SinkHostProcess
{
    /// <summary>Returns every (queue id, SHA-256) the host printed before it died.</summary>
    public static async Task<List<(string QueueId, string Sha256)>> RunAndKillAsync(
        StoreSettings store, string dataDirectory, int killAfter, ITestOutputHelper output)
    {
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in (string[])[HostAssemblyPath(), store.Provider.ToString(), store.ConnectionString, dataDirectory, "100000"])
            start.ArgumentList.Add(argument);

        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start the sink host.");
        var errors = process.StandardError.ReadToEndAsync();
        var acknowledged = new List<(string, string)>();
        // A failure guard only: the host commits its first messages within seconds.
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        try
        {
            while (acknowledged.Count < killAfter)
            {
                var line = await process.StandardOutput.ReadLineAsync(timeout.Token)
                    ?? throw new InvalidOperationException($"The sink host exited early: {await errors}");
                if (Parse(line) is { } ack)
                    acknowledged.Add(ack);
            }
        }
        finally
        {
            process.Kill(); // SIGKILL on Unix: no finally blocks, no flush, no graceful shutdown.
        }
        // Whatever the host printed before it died was acknowledged too.
        while (await process.StandardOutput.ReadLineAsync(timeout.Token) is { } line)
            if (Parse(line) is { } ack)
                acknowledged.Add(ack);
        await process.WaitForExitAsync(timeout.Token);
        output.WriteLine($"sink host killed after {acknowledged.Count} acknowledged messages (exit code {process.ExitCode})");
        return acknowledged;
    }

    private static (string, string)? Parse(string line)
    {
        var parts = line.Split(' ');
        return parts is ["QUEUED", var id, var sha256] ? (id, sha256) : null;
    }

    /// <summary>The host is built next to its project (this project references it only to build it first).</summary>
    private static string HostAssemblyPath()
    {
        var directory = new DirectoryInfo(AppContext.BaseDirectory);
        while (directory is not null && !File.Exists(Path.Combine(directory.FullName, "Admin.sln")))
            directory = directory.Parent;
        if (directory is null)
            throw new InvalidOperationException($"No Admin.sln above {AppContext.BaseDirectory}.");
        var configuration = typeof(SinkHostProcess).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Debug";
        var path = Path.Combine(directory.FullName, "tests", "Mailflow.Queue.SinkHost", "bin", configuration, "net10.0", "Mailflow.Queue.SinkHost.dll");
        return File.Exists(path) ? path : throw new FileNotFoundException("Build tests/Mailflow.Queue.SinkHost first.", path);
    }
}
