using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Mailflow.Server.Transport.Deliver.Local;

/// <summary>
/// Delivers one message into a Maildir the way the format requires (cr.yp.to/proto/maildir.html,
/// as Dovecot reads it): write the whole file under <c>tmp/</c> with a unique name, fsync it, then
/// rename it into <c>new/</c> (atomic: a reader sees the complete message or nothing) and fsync
/// <c>new/</c> so the rename itself survives a crash. Missing <c>tmp/new/cur</c> folders are created.
/// <para>The file gets <c>Return-Path:</c> (RFC 5321 §4.4: added at final delivery) and
/// <c>Delivered-To:</c> (the qmail/Postfix convention Dovecot's Sieve uses for loop detection), and
/// Unix line ends — Maildir files are read by Unix tools, and Dovecot stores LF itself.</para>
/// </summary>
internal static class MaildirWriter
{
    private static long _deliveries;
    private static readonly string HostPart = EscapeHost(System.Net.Dns.GetHostName());

    /// <returns>The delivered file's path under <c>new/</c>.</returns>
    public static async Task<string> DeliverAsync(
        string maildir, string returnPath, string deliveredTo, Stream content, DateTimeOffset now, CancellationToken cancellationToken)
    {
        foreach (var folder in (string[])["tmp", "new", "cur"])
            CreatePrivateDirectory(Path.Combine(maildir, folder));

        var name = UniqueName(now);
        var temporary = Path.Combine(maildir, "tmp", name);
        var final = Path.Combine(maildir, "new", name);
        try
        {
            await using (var file = new FileStream(temporary, FileMode.CreateNew, FileAccess.Write, FileShare.None, 64 * 1024, FileOptions.Asynchronous))
            {
                var prefix = Encoding.UTF8.GetBytes($"Return-Path: <{returnPath}>\nDelivered-To: {deliveredTo}\n");
                await file.WriteAsync(prefix, cancellationToken);
                await CopyWithUnixLineEndsAsync(content, file, cancellationToken);
                await file.FlushAsync(cancellationToken);
                file.Flush(flushToDisk: true);
            }
            File.Move(temporary, final);
        }
        catch
        {
            File.Delete(temporary);
            throw;
        }
        DirectorySync.Flush(Path.Combine(maildir, "new"));
        return final;
    }

    /// <summary>time.MusecPpid_Qcount_Rrandom.host — the spec's "modern" unique name (Dovecot's form, plus randomness).</summary>
    internal static string UniqueName(DateTimeOffset now)
    {
        var microseconds = now.Ticks / 10 % 1_000_000;
        var count = Interlocked.Increment(ref _deliveries);
        return $"{now.ToUnixTimeSeconds()}.M{microseconds}P{Environment.ProcessId}Q{count}R{Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(8))}.{HostPart}";
    }

    /// <summary>The spec: "/" becomes \057 and ":" becomes \072 in the host part.</summary>
    private static string EscapeHost(string host) => host.Replace("/", "\\057", StringComparison.Ordinal).Replace(":", "\\072", StringComparison.Ordinal);

    private static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(path);
        else
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static async Task CopyWithUnixLineEndsAsync(Stream source, Stream destination, CancellationToken cancellationToken)
    {
        var input = new byte[64 * 1024];
        var output = new byte[64 * 1024 + 1];
        var pendingCr = false;
        int read;
        while ((read = await source.ReadAsync(input, cancellationToken)) > 0)
        {
            var length = 0;
            for (var i = 0; i < read; i++)
            {
                var b = input[i];
                if (pendingCr)
                {
                    pendingCr = false;
                    if (b != (byte)'\n')
                        output[length++] = (byte)'\r';
                }
                if (b == (byte)'\r')
                    pendingCr = true;
                else
                    output[length++] = b;
            }
            await destination.WriteAsync(output.AsMemory(0, length), cancellationToken);
        }
        if (pendingCr)
            await destination.WriteAsync(new[] { (byte)'\r' }, cancellationToken);
    }
}

/// <summary>fsync(2) on a directory, so a rename into it is durable. .NET has no API for it.</summary>
internal static partial class DirectorySync
{
    public static void Flush(string directory)
    {
        if (!OperatingSystem.IsLinux() && !OperatingSystem.IsMacOS())
            return;
        var fd = open(directory, 0 /* O_RDONLY: enough to fsync a directory */);
        if (fd < 0)
            throw new IOException($"Could not open {directory} to flush it (errno {Marshal.GetLastPInvokeError()}).");
        try
        {
            if (fsync(fd) != 0)
                throw new IOException($"fsync of {directory} failed (errno {Marshal.GetLastPInvokeError()}).");
        }
        finally
        {
            _ = close(fd);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libc", SetLastError = true)]
    private static extern int fsync(int fd);

    [DllImport("libc", SetLastError = true)]
    private static extern int close(int fd);
}
