using System.Diagnostics;
using System.Net.Sockets;
using System.Text;
using Xunit;

namespace Mailflow.TestSupport;

/// <summary>
/// A throwaway clamd (Debian package <c>clamav-daemon</c>) on loopback for the anti-malware tests:
/// its own configuration, a Unix socket and a TCP port chosen free at run time, and a signature
/// database of one MD5 hash line the test writes (EICAR), so it works offline without freshclam and
/// starts in seconds. Missing binaries fail with the install command; they never skip.
/// </summary>
public sealed class ClamdServer : IAsyncDisposable
{
    public const string InstallCommand = "apt-get install -y clamav-daemon";
    /// <summary>The EICAR test file (68 octets); its MD5 is the one signature in the database.</summary>
    public const string Eicar = @"X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*";
    public const string EicarSignature = "Eicar-Test-Signature";

    private readonly Process _process;
    private readonly string _directory;

    private ClamdServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }
    public string SocketPath => Path.Combine(_directory, "clamd.sock");
    /// <summary>As the protection settings write it.</summary>
    public string TcpAddress => $"tcp:127.0.0.1:{Port}";
    public string UnixAddress => $"unix:{SocketPath}";

    public static async Task<ClamdServer> StartAsync(TimeSpan? startTimeout = null)
    {
        if (!File.Exists("/usr/sbin/clamd"))
            throw new InvalidOperationException($"The anti-malware tests need clamd. Install it with: {InstallCommand} (test.sh does this).");
        // Short path: a Unix socket path must stay under ~107 characters.
        var directory = Directory.CreateTempSubdirectory("mf-clamd-").FullName;
        Directory.CreateDirectory(Path.Combine(directory, "db"));
        await File.WriteAllTextAsync(Path.Combine(directory, "db", "test.hdb"), $"44d88612fea8a8f36de82e1278abb02f:68:{EicarSignature}\n");
        var port = FreePort.Get();
        var config = new StringBuilder()
            .AppendLine("Foreground yes")
            .AppendLine($"DatabaseDirectory {Path.Combine(directory, "db")}")
            .AppendLine($"LocalSocket {Path.Combine(directory, "clamd.sock")}")
            .AppendLine($"TCPSocket {port}")
            .AppendLine("TCPAddr 127.0.0.1")
            .AppendLine($"LogFile {Path.Combine(directory, "clamd.log")}")
            .AppendLine("StreamMaxLength 10M");
        if (Environment.IsPrivilegedProcess)
            config.AppendLine("User root");
        await File.WriteAllTextAsync(Path.Combine(directory, "clamd.conf"), config.ToString());

        var process = DaemonProcess.Start("/usr/sbin/clamd", ["-c", Path.Combine(directory, "clamd.conf")]);
        var server = new ClamdServer(process, directory, port);

        var deadline = Stopwatch.StartNew();
        var limit = startTimeout ?? TimeSpan.FromSeconds(90);
        while (!await server.PongsAsync())
        {
            if (process.HasExited || deadline.Elapsed > limit)
            {
                var logPath = Path.Combine(directory, "clamd.log");
                var log = File.Exists(logPath) ? await File.ReadAllTextAsync(logPath) : "(no log)";
                await server.DisposeAsync();
                throw new InvalidOperationException($"clamd did not answer on 127.0.0.1:{port} within {limit.TotalSeconds:0} s (exited: {process.HasExited}). Log:\n{log}");
            }
            await Task.Delay(200);
        }
        return server;
    }

    private async Task<bool> PongsAsync()
    {
        try
        {
            using var tcp = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await tcp.ConnectAsync("127.0.0.1", Port, timeout.Token);
            var stream = tcp.GetStream();
            await stream.WriteAsync("zPING\0"u8.ToArray(), timeout.Token);
            var buffer = new byte[16];
            var read = await stream.ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("PONG", StringComparison.Ordinal);
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    public ValueTask DisposeAsync() => new(DaemonProcess.StopAsync(_process, _directory));
}

/// <summary>xunit collection fixture: one clamd for every test class in the <c>clamd</c> collection.</summary>
public sealed class ClamdFixture : IAsyncLifetime
{
    public const string CollectionName = "clamd";

    public ClamdServer Server { get; private set; } = default!;

    public async Task InitializeAsync() => Server = await ClamdServer.StartAsync();

    public async Task DisposeAsync() => await Server.DisposeAsync();
}
