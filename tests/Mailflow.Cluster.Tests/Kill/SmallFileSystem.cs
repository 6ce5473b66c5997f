using System.Diagnostics;

namespace Mailflow.Cluster.Tests.Kill;

/// <summary>
/// A file system of a few megabytes of its own (a tmpfs mounted on a temp directory), so a test can fill
/// it to the last byte without touching the machine's disk. Mounting needs root (CAP_SYS_ADMIN), which
/// the suite has (test.sh runs as root); without it the test fails saying so, it does not skip.
/// </summary>
public sealed class SmallFileSystem : IAsyncDisposable
{
    private SmallFileSystem(string path) => Path = path;

    public string Path { get; }

    public static async Task<SmallFileSystem> MountAsync(int megabytes)
    {
        var path = Directory.CreateTempSubdirectory("mailflow-smallfs-").FullName;
        var (exitCode, output) = await RunAsync("mount", "-t", "tmpfs", "-o", $"size={megabytes}m,mode=0700", "tmpfs", path);
        if (exitCode != 0)
        {
            Directory.Delete(path);
            throw new InvalidOperationException($"Could not mount a {megabytes} MiB tmpfs on {path} (the full-disk test needs root): {output}");
        }
        return new SmallFileSystem(path);
    }

    public async ValueTask DisposeAsync()
    {
        // Lazy: a process the test killed may still be letting go of its files.
        await RunAsync("umount", "-l", Path);
        Directory.Delete(Path, recursive: true);
    }

    private static async Task<(int ExitCode, string Output)> RunAsync(string fileName, params string[] arguments)
    {
        var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not run {fileName}");
        var output = await process.StandardError.ReadToEndAsync() + await process.StandardOutput.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, output.Trim());
    }
}
