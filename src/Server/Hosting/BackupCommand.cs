using System.Diagnostics;
using Mailflow.Data;
using Mailflow.Security;
using Microsoft.Data.Sqlite;
using Microsoft.Extensions.Options;
using Npgsql;

namespace Mailflow.Server.Hosting;

/// <summary>
/// <c>mailflow --backup DIR</c>: a consistent copy of everything a node needs to come back, taken while the server
/// runs, into a new directory (mode 0700): the store (SQLite: the online backup API, page by page, consistent even
/// while the server writes; PostgreSQL: <c>pg_dump --format=custom</c>), the key-encryption certificate that unlocks
/// the Data Protection key ring kept in the store (without it no stored secret — smart-host passwords, the alert
/// webhook secret, TLS and DKIM private keys — can be decrypted), and the Maildir tree of local mailboxes when it
/// exists (delivered mail lives outside the store; queued mail is in it). Exit code 0, or 1 with the reason.
/// Restoring is copying the files back (README "Backup and restore").
/// </summary>
public static class BackupCommand
{
    public const string Switch = "--backup";
    public const string SqliteFileName = "mailflow.db";
    public const string PostgresDumpFileName = "mailflow.pgdump";

    /// <summary>The target directory when the switch was given; both are taken out of <paramref name="args"/>.</summary>
    public static string? Take(ref string[] args)
    {
        var at = Array.IndexOf(args, Switch);
        if (at < 0)
            return null;
        var target = at + 1 < args.Length ? args[at + 1] : "";
        args = [.. args.Take(at), .. args.Skip(at + 2)];
        return target;
    }

    public static async Task<int> RunAsync(WebApplication app, string target)
    {
        try
        {
            if (string.IsNullOrWhiteSpace(target))
                throw new InvalidOperationException($"Name the directory to write the backup to: {Switch} /var/backups/mailflow/2026-12-07.");
            target = Path.GetFullPath(target);
            if (Directory.Exists(target) && Directory.EnumerateFileSystemEntries(target).Any())
                throw new InvalidOperationException($"{target} is not empty: back up into a new directory.");
            CreatePrivateDirectory(target);
            var store = app.Services.GetRequiredService<StoreSettings>();
            var mailflow = app.Services.GetRequiredService<IOptions<MailflowOptions>>().Value;
            var written = new List<string>();
            if (store.Provider == DatabaseProvider.Sqlite)
                written.Add(BackupSqlite(store, Path.Combine(target, SqliteFileName)));
            else
                written.Add(await DumpPostgresAsync(store, Path.Combine(target, PostgresDumpFileName)));

            var keyEncryption = app.Services.GetRequiredService<KeyEncryptionCertificate>();
            CreatePrivateDirectory(Path.Combine(target, "keys"));
            var keyCopy = Path.Combine(target, "keys", KeyEncryptionCertificate.DefaultFileName);
            File.Copy(keyEncryption.Path, keyCopy);
            written.Add(keyCopy);

            if (Directory.Exists(mailflow.ResolvedMailRoot))
            {
                var maildir = Path.Combine(target, "maildir");
                CopyTree(mailflow.ResolvedMailRoot, maildir);
                written.Add(maildir);
            }
            await Console.Out.WriteLineAsync($"Mailflow: backed up the {store.Provider} store ({store.RedactedConnectionString}) to {target}: {string.Join(", ", written.Select(p => Path.GetRelativePath(target, p)))}. Keep it as safe as the server: the key-encryption certificate unlocks every stored secret.");
            return 0;
        }
        catch (Exception ex)
        {
            await Console.Error.WriteLineAsync($"Mailflow: backup failed: {ex.GetType().Name}: {ex.Message}");
            return 1;
        }
    }

    private static string BackupSqlite(StoreSettings store, string file)
    {
        var source = new SqliteConnectionStringBuilder(store.ConnectionString) { Mode = SqliteOpenMode.ReadOnly, Pooling = false };
        using var from = new SqliteConnection(source.ToString());
        using var to = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = file, Pooling = false }.ToString());
        from.Open();
        to.Open();
        from.BackupDatabase(to);
        return file;
    }

    /// <summary>pg_dump from PATH (or <c>PG_DUMP</c>), given the connection through libpq's environment (the password never on a command line).</summary>
    private static async Task<string> DumpPostgresAsync(StoreSettings store, string file)
    {
        var connection = new NpgsqlConnectionStringBuilder(store.ConnectionString);
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("PG_DUMP") is { Length: > 0 } pgDump ? pgDump : "pg_dump",
            ["--format=custom", "--no-owner", $"--file={file}"])
        {
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["PGHOST"] = connection.Host;
        start.Environment["PGPORT"] = connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PGDATABASE"] = connection.Database;
        if (connection.Username is { } user)
            start.Environment["PGUSER"] = user;
        if (connection.Password is { } password)
            start.Environment["PGPASSWORD"] = password;
        using var process = Process.Start(start) ?? throw new InvalidOperationException("pg_dump could not be started.");
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
            throw new InvalidOperationException($"pg_dump exited with {process.ExitCode}: {error.Trim()}");
        return file;
    }

    private static void CreatePrivateDirectory(string path)
    {
        if (OperatingSystem.IsWindows())
            Directory.CreateDirectory(path);
        else
            Directory.CreateDirectory(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
    }

    private static void CopyTree(string from, string to)
    {
        CreatePrivateDirectory(to);
        foreach (var directory in Directory.EnumerateDirectories(from, "*", SearchOption.AllDirectories))
            CreatePrivateDirectory(Path.Combine(to, Path.GetRelativePath(from, directory)));
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
            File.Copy(file, Path.Combine(to, Path.GetRelativePath(from, file)));
    }
}
