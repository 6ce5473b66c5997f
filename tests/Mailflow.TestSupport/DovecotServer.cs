using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Mailflow.TestSupport;

/// <summary>A Dovecot account of the fixture: its login (the full address, as Mailflow's LMTP RCPT names it) and an optional quota.</summary>
public sealed record DovecotUser(string Address, string Password, long? QuotaBytes = null);

/// <summary>
/// A throwaway Dovecot (Debian packages <c>dovecot-lmtpd</c>, <c>dovecot-imapd</c>) on loopback, for the
/// interop tests: its own configuration file, <c>base_dir</c> and <c>state_dir</c> in a temp directory,
/// users in a passwd-file (passdb and userdb, with a per-user <c>quota_rule</c> for the quota plugin's
/// Maildir++ quota), LMTP and IMAP on ports chosen free at run time, and each user's mail in
/// <c>maildir:~/Maildir</c> under <see cref="MailRoot"/>. Plain text logins without TLS are allowed (loopback).
/// <para>Run as root (CI), Dovecot refuses what a root test would like: a login process as root
/// ("This process must not be run as root") and mail access as UID 0 (passwd-file: "invalid UID '0'").
/// So as root the packaged users do the work — <c>dovenull</c> for logins, <c>dovecot</c> for the
/// internal processes and as the owner of every mailbox — and <see cref="MailRoot"/> belongs to
/// <c>dovecot</c>. As anyone else, every process and mailbox is the current user's.</para>
/// Missing binaries fail with the install command; they never skip.
/// </summary>
public sealed class DovecotServer : IAsyncDisposable
{
    public const string InstallCommand = "apt-get install -y dovecot-lmtpd dovecot-imapd";
    private const string Binary = "/usr/sbin/dovecot";

    private readonly Process _process;
    private readonly string _directory;
    private readonly (string Uid, string Gid) _mailOwner;

    private DovecotServer(Process process, string directory, int lmtpPort, int imapPort, (string, string) mailOwner)
    {
        _process = process;
        _directory = directory;
        _mailOwner = mailOwner;
        LmtpPort = lmtpPort;
        ImapPort = imapPort;
    }

    public int LmtpPort { get; }
    public int ImapPort { get; }

    /// <summary>The folder holding every user's home (<c>MailRoot/&lt;address&gt;</c>, mail in its <c>Maildir</c>).</summary>
    public string MailRoot => Path.Combine(_directory, "mail");

    public string LogPath => Path.Combine(_directory, "dovecot.log");

    /// <summary>The Maildir Dovecot serves as <paramref name="address"/>'s INBOX.</summary>
    public string MaildirOf(string address) => Path.Combine(MailRoot, address, "Maildir");

    public static async Task<DovecotServer> StartAsync(IEnumerable<DovecotUser> users, TimeSpan? startTimeout = null)
    {
        if (!File.Exists(Binary) || !File.Exists("/usr/lib/dovecot/lmtp") || !File.Exists("/usr/lib/dovecot/imap"))
            throw new InvalidOperationException($"The Dovecot interop tests need Dovecot's LMTP and IMAP servers. Install them with: {InstallCommand} (test.sh does this).");
        var directory = Directory.CreateTempSubdirectory("mailflow-dovecot-").FullName;
        var root = Environment.IsPrivilegedProcess;
        var mailOwner = root ? (await IdAsync("-u", "dovecot"), await IdAsync("-g", "dovecot")) : (await IdAsync("-u"), await IdAsync("-g"));
        var mail = Path.Combine(directory, "mail");
        Directory.CreateDirectory(mail);
        // The unprivileged mail processes walk through the temp directory to their homes.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(directory, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute
                                            | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
        if (root)
            await RunAsync("chown", [$"{mailOwner.Item1}:{mailOwner.Item2}", mail]);

        var passwd = new StringBuilder();
        foreach (var user in users)
        {
            // user:password:uid:gid:(gecos):home:(shell):extra fields (userdb_ for the userdb's).
            var quota = user.QuotaBytes is { } bytes ? $"userdb_quota_rule=*:bytes={bytes.ToString(CultureInfo.InvariantCulture)}" : "";
            passwd.Append(CultureInfo.InvariantCulture, $"{user.Address}:{{PLAIN}}{user.Password}:{mailOwner.Item1}:{mailOwner.Item2}::{Path.Combine(mail, user.Address)}::{quota}\n");
        }
        var usersFile = Path.Combine(directory, "users");
        await File.WriteAllTextAsync(usersFile, passwd.ToString());
        // Read by the auth process as the internal user; a Mailflow host in this process set umask 077.
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(usersFile, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.GroupRead | UnixFileMode.OtherRead);

        var lmtpPort = FreePort.Get();
        var imapPort = FreePort.Get();
        var (internalUser, loginUser) = root ? ("dovecot", "dovenull") : (Environment.UserName, Environment.UserName);
        var conf = Path.Combine(directory, "dovecot.conf");
        await File.WriteAllTextAsync(conf, $$"""
            base_dir = {{Path.Combine(directory, "run")}}
            state_dir = {{Path.Combine(directory, "state")}}
            instance_name = {{Path.GetFileName(directory)}}
            log_path = {{Path.Combine(directory, "dovecot.log")}}
            protocols = imap lmtp
            listen = 127.0.0.1
            ssl = no
            disable_plaintext_auth = no
            auth_mechanisms = plain
            default_internal_user = {{internalUser}}
            default_login_user = {{loginUser}}
            first_valid_uid = 1
            mail_location = maildir:~/Maildir
            mail_plugins = quota
            passdb {
              driver = passwd-file
              args = scheme=PLAIN {{usersFile}}
            }
            userdb {
              driver = passwd-file
              args = {{usersFile}}
            }
            plugin {
              quota = maildir:User quota
            }
            service lmtp {
              inet_listener lmtp {
                address = 127.0.0.1
                port = {{lmtpPort}}
              }
            }
            service imap-login {
              inet_listener imap {
                address = 127.0.0.1
                port = {{imapPort}}
              }
              inet_listener imaps {
                port = 0
              }
            }

            """);
        Directory.CreateDirectory(Path.Combine(directory, "state"));

        var process = DaemonProcess.Start(Binary, ["-F", "-c", conf]);
        var server = new DovecotServer(process, directory, lmtpPort, imapPort, mailOwner);
        var deadline = Stopwatch.StartNew();
        var limit = startTimeout ?? TimeSpan.FromSeconds(30);
        while (!(await GreetsAsync(lmtpPort, "220 ") && await GreetsAsync(imapPort, "* OK")))
        {
            if (process.HasExited || deadline.Elapsed > limit)
            {
                var log = File.Exists(server.LogPath) ? await File.ReadAllTextAsync(server.LogPath) : "(no log)";
                await server.DisposeAsync();
                throw new InvalidOperationException($"Dovecot did not start within {limit.TotalSeconds:0} s (exited: {process.HasExited}). Log:\n{log}");
            }
            await Task.Delay(100);
        }
        return server;
    }

    /// <summary>
    /// Makes what Mailflow itself wrote below <see cref="MailRoot"/> Dovecot's: as root, Mailflow (the test
    /// process) writes files only root may read, so they go to the mail owner, as they would be when Mailflow
    /// and Dovecot's mail processes run as one user in production. As anyone else they are that user's already.
    /// </summary>
    public async Task AdoptMailflowFilesAsync()
    {
        if (Environment.IsPrivilegedProcess)
            await RunAsync("chown", ["-R", $"{_mailOwner.Uid}:{_mailOwner.Gid}", MailRoot]);
    }

    private static async Task<bool> GreetsAsync(int port, string greeting)
    {
        try
        {
            using var tcp = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await tcp.ConnectAsync("127.0.0.1", port, timeout.Token);
            var buffer = new byte[256];
            var read = await tcp.GetStream().ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith(greeting, StringComparison.Ordinal);
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task<string> IdAsync(params string[] arguments)
    {
        var startInfo = new ProcessStartInfo("id") { UseShellExecute = false, RedirectStandardOutput = true };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);
        using var process = Process.Start(startInfo)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"id {string.Join(' ', arguments)} failed: is Dovecot installed ({InstallCommand})?");
        return output.Trim();
    }

    private static async Task RunAsync(string file, string[] arguments)
    {
        var startInfo = new ProcessStartInfo(file) { UseShellExecute = false };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);
        using var process = Process.Start(startInfo)!;
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}.");
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            try
            {
                // SIGTERM: the master stops its children and removes its sockets.
                Process.Start("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)])?.WaitForExit(5000);
                await _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10));
            }
            catch (Exception exception) when (exception is TimeoutException or InvalidOperationException or System.ComponentModel.Win32Exception)
            {
                // Killed below with its whole tree.
            }
        }
        await DaemonProcess.StopAsync(_process, _directory);
    }
}
