using System.Diagnostics;
using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Mailflow.TestSupport;

/// <summary>
/// A private Postfix instance (Debian package <c>postfix</c>) on loopback for the interop tests, started with
/// <c>postfix -c DIR start-fg</c> from a configuration directory of its own in a temp directory: its own queue and
/// data directories, <c>smtpd</c> only on 127.0.0.1 at a port chosen free at run time (no port 25), no chroot,
/// STARTTLS offered with a throwaway certificate and used towards Mailflow (<c>may</c>), TLS and delivery logged to
/// <see cref="LogPath"/>. Mail for <see cref="LocalDomain"/> is delivered by <c>virtual(8)</c> into one Maildir
/// (<see cref="MaildirNew"/>); mail for <see cref="RelayDomain"/> is relayed to Mailflow at the port given;
/// anything else bounces (<c>default_transport = error</c>: nothing leaves the machine).
/// <para>Run as root (CI) Postfix's daemons run as the packaged <c>postfix</c> user, which needs to reach the temp
/// directory and own the data directory and the Maildir. As another user Postfix cannot run (its master must
/// be root); the fixture says so.</para>
/// </summary>
public sealed class PostfixServer : IAsyncDisposable
{
    public const string InstallCommand = "echo 'postfix postfix/main_mailer_type select No configuration' | debconf-set-selections && DEBIAN_FRONTEND=noninteractive apt-get install -y postfix";
    public const string LocalDomain = "postfix.test";
    public const string HostName = "mx.postfix.test";
    private const string Binary = "/usr/sbin/postfix";

    private readonly Process _process;
    private readonly string _directory;

    private PostfixServer(Process process, string directory, int port)
    {
        _process = process;
        _directory = directory;
        Port = port;
    }

    public int Port { get; }
    public string LogPath => Path.Combine(_directory, "postfix.log");
    public string MaildirNew => Path.Combine(_directory, "mail", "inbox", "new");
    private string ConfigDirectory => Path.Combine(_directory, "etc");

    /// <param name="relayDomain">The domain Postfix relays to Mailflow.</param>
    /// <param name="mailflowPort">Mailflow's SMTP port on 127.0.0.1.</param>
    public static async Task<PostfixServer> StartAsync(string relayDomain, int mailflowPort, TimeSpan? startTimeout = null)
    {
        if (!File.Exists(Binary) || !File.Exists("/etc/postfix/master.cf"))
            throw new InvalidOperationException($"The Postfix interop tests need Postfix. Install it with: {InstallCommand} (test.sh does this).");
        if (!Environment.IsPrivilegedProcess)
            throw new InvalidOperationException("Postfix's master process must run as root (it starts its daemons as the postfix user); run the Postfix interop tests as root, as CI does.");
        var directory = Directory.CreateTempSubdirectory("mailflow-postfix-").FullName;
        var etc = Path.Combine(directory, "etc");
        foreach (var sub in new[] { "etc", "queue", "data", "mail" })
            Directory.CreateDirectory(Path.Combine(directory, sub));
        // The postfix user walks into the queue and the Maildir, and owns the data directory and the mail.
        await RunAsync("chmod", ["755", directory, etc, Path.Combine(directory, "queue")]);
        await RunAsync("chown", ["postfix", Path.Combine(directory, "data"), Path.Combine(directory, "mail")]);
        File.Copy("/etc/postfix/master.cf", Path.Combine(etc, "master.cf"));
        using (var certificate = TestCertificates.Create(HostName))
        {
            await File.WriteAllBytesAsync(Path.Combine(etc, "cert.pem"), TestCertificates.CertificatePem(certificate));
            await File.WriteAllBytesAsync(Path.Combine(etc, "key.pem"), TestCertificates.KeyPem(certificate));
        }
        await File.WriteAllTextAsync(Path.Combine(etc, "vmailbox"), "/.*/ inbox/\n");
        var uid = (await OutputOfAsync("id", ["-u", "postfix"])).Trim();
        var gid = (await OutputOfAsync("id", ["-g", "postfix"])).Trim();
        var port = FreePort.Get();
        var transportMap = "inline:{ " + relayDomain + "=smtp:[127.0.0.1]:" + mailflowPort.ToString(CultureInfo.InvariantCulture) + " }";
        await File.WriteAllTextAsync(Path.Combine(etc, "main.cf"), $"""
            compatibility_level = 3.6
            queue_directory = {Path.Combine(directory, "queue")}
            data_directory = {Path.Combine(directory, "data")}
            mail_owner = postfix
            setgid_group = postdrop
            myhostname = {HostName}
            mydomain = {LocalDomain}
            myorigin = {LocalDomain}
            mydestination =
            local_recipient_maps =
            alias_maps =
            alias_database =
            biff = no
            inet_interfaces = 127.0.0.1
            inet_protocols = ipv4
            mynetworks = 127.0.0.0/8
            smtputf8_enable = no
            relay_domains = {relayDomain}
            transport_maps = {transportMap}
            virtual_mailbox_domains = {LocalDomain}
            virtual_mailbox_base = {Path.Combine(directory, "mail")}
            virtual_mailbox_maps = regexp:{Path.Combine(etc, "vmailbox")}
            virtual_minimum_uid = 1
            virtual_uid_maps = static:{uid}
            virtual_gid_maps = static:{gid}
            default_transport = error
            maillog_file_prefixes = {directory}
            maillog_file = {Path.Combine(directory, "postfix.log")}
            smtpd_tls_cert_file = {Path.Combine(etc, "cert.pem")}
            smtpd_tls_key_file = {Path.Combine(etc, "key.pem")}
            smtpd_tls_security_level = may
            smtpd_tls_received_header = yes
            smtpd_tls_loglevel = 1
            smtp_tls_security_level = may
            smtp_tls_loglevel = 1
            delay_warning_time = 0

            """);
        // Read by the unprivileged daemons (virtual(8) opens the map itself); a Mailflow host in this process set umask 077.
        await RunAsync("chmod", ["644", Path.Combine(etc, "vmailbox"), Path.Combine(etc, "main.cf"), Path.Combine(etc, "master.cf")]);
        await RunAsync("postconf", ["-c", etc, "-MX", "smtp/inet"]);
        await RunAsync("postconf", ["-c", etc, "-M", $"127.0.0.1:{port}/inet=127.0.0.1:{port} inet n - n - - smtpd"]);
        await RunAsync("postconf", ["-c", etc, "-F", "*/*/chroot = n"]);

        var process = DaemonProcess.Start(Binary, ["-c", etc, "start-fg"]);
        var server = new PostfixServer(process, directory, port);
        var deadline = Stopwatch.StartNew();
        var limit = startTimeout ?? TimeSpan.FromSeconds(60);
        while (!await GreetsAsync(port))
        {
            if (process.HasExited || deadline.Elapsed > limit)
            {
                var log = File.Exists(server.LogPath) ? await File.ReadAllTextAsync(server.LogPath) : "(no log)";
                await server.DisposeAsync();
                throw new InvalidOperationException($"Postfix did not start within {limit.TotalSeconds:0} s (exited: {process.HasExited}). Log:\n{log}");
            }
            await Task.Delay(100);
        }
        return server;
    }

    /// <summary>The messages Postfix delivered into its Maildir so far, oldest first.</summary>
    public IReadOnlyList<string> DeliveredFiles() =>
        Directory.Exists(MaildirNew) ? [.. Directory.GetFiles(MaildirNew).OrderBy(File.GetLastWriteTimeUtc)] : [];

    public async Task<string> ReadLogAsync() => File.Exists(LogPath) ? await File.ReadAllTextAsync(LogPath) : "";

    private static async Task<bool> GreetsAsync(int port)
    {
        try
        {
            using var tcp = new TcpClient();
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await tcp.ConnectAsync("127.0.0.1", port, timeout.Token);
            var buffer = new byte[256];
            var read = await tcp.GetStream().ReadAsync(buffer, timeout.Token);
            return Encoding.ASCII.GetString(buffer, 0, read).StartsWith("220 ", StringComparison.Ordinal);
        }
        catch (Exception exception) when (exception is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    private static Task RunAsync(string file, string[] arguments) => OutputOfAsync(file, arguments);

    private static async Task<string> OutputOfAsync(string file, string[] arguments, bool throwOnFailure = true)
    {
        var startInfo = new ProcessStartInfo(file) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
            startInfo.ArgumentList.Add(argument);
        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (throwOnFailure && process.ExitCode != 0)
            throw new InvalidOperationException($"{file} {string.Join(' ', arguments)} exited with {process.ExitCode}: {await stderr}");
        return await stdout;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            // The master stops its daemons; then the fixture's process tree goes, whatever is left of it.
            await OutputOfAsync(Binary, ["-c", ConfigDirectory, "stop"], throwOnFailure: false).WaitAsync(TimeSpan.FromSeconds(20));
        }
        catch (Exception exception) when (exception is TimeoutException or InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            // Killed below.
        }
        await DaemonProcess.StopAsync(_process, _directory);
    }
}
