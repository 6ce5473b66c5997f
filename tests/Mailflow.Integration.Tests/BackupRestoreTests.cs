using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using MailKit.Net.Smtp;
using MailKit.Security;
using Mailflow.Data;
using Mailflow.Server.Hosting;
using Mailflow.TestSupport;
using MimeKit;
using Npgsql;

namespace Mailflow.Integration.Tests;

/// <summary>
/// The backup and restore procedure of README "Backup and restore", run as an operator runs it: a node (a process
/// of its own) holds a message in its queue for a smart host that needs AUTH with a stored, Data Protection-encrypted
/// password and is not answering; <c>--backup DIR</c> runs beside it; the node is gone; the backup is restored
/// into a fresh data directory (SQLite: the database file; PostgreSQL: <c>pg_restore</c> into a new, empty
/// database) with the key-encryption certificate; the restored node starts, and once the smart host answers the
/// queued message is delivered there, authenticated with the password decrypted from the restored key ring.
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class BackupRestoreTests(PostgresFixture postgres) : IDisposable
{
    private const string ApiKey = "mf_backup-test-key-0123456789abcdef01234";
    private const string RelayUser = "mailflow-relay";
    private const string RelayPassword = "Relay-Secret-kept-in-the-store-7";
    private readonly TestStores _stores = new(postgres);
    private const string RelayName = "relay.fabrikam.test";
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("mailflow-backup-");
    private string _trustedRoots = "";

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Backup_WhileRunningWithMailInQueue_RestoredIntoAFreshNode_DeliversItWithTheStoredPassword(DatabaseProvider provider)
    {
        var relayAnswers = false;
        // Basic AUTH needs a validated certificate: the relay's is issued by a root the nodes trust through SSL_CERT_FILE.
        using var authority = TestCertificates.CreateAuthority("Mailflow backup test root");
        using var relayCertificate = TestCertificates.Create(RelayName, issuer: authority);
        _trustedRoots = Path.Combine(_root.FullName, "roots.pem");
        await File.WriteAllBytesAsync(_trustedRoots, TestCertificates.CertificatePem(authority));
        await using var relay = LoopbackSmtpServer.Start(new LoopbackSmtpScript
        {
            OfferStartTls = true,
            Certificate = relayCertificate,
            Credentials = new NetworkCredential(RelayUser, RelayPassword),
            AcceptConnection = _ => Volatile.Read(ref relayAnswers),
        });
        var store = provider == DatabaseProvider.Sqlite
            ? new StoreSettings(provider, $"Data Source={Path.Combine(_root.FullName, "node", "mailflow.db")}")
            : await _stores.CreateAsync(provider);
        var dataDirectory = Path.Combine(_root.FullName, "node");
        var backup = Path.Combine(_root.FullName, "backup-" + DateTime.UtcNow.ToString("yyyy-MM-dd", System.Globalization.CultureInfo.InvariantCulture));
        var message = new MimeMessage
        {
            From = { MailboxAddress.Parse("sender@contoso.test") },
            To = { MailboxAddress.Parse("partner@fabrikam.test") },
            Subject = "Queued across a restore",
            Body = new TextPart("plain") { Text = "Still here after the restore." },
        };

        var smtpPort = FreePort.Get();
        await using (var node = await StartAsync(store, dataDirectory, smtpPort))
        {
            using var admin = Admin(node);
            await ConfigureAsync(admin, relay.Port);
            using (var client = new SmtpClient { Timeout = 15_000 })
            {
                await client.ConnectAsync("127.0.0.1", node.SmtpPort, SecureSocketOptions.None);
                await client.SendAsync(message);
                await client.DisconnectAsync(true);
            }
            // Tried and deferred: the smart host hangs up before its greeting.
            await WaitUntilAsync(() => relay.ConnectionCount >= 1, "a delivery attempt to the smart host", node);

            var run = await ServerProcess.RunToExitAsync(store, dataDirectory, [BackupCommand.Switch, backup], Environment(node.HttpPort));
            Assert.True(run.ExitCode == 0, run.Output);
            Assert.Contains($"backed up the {provider} store", run.Output, StringComparison.Ordinal);
            Assert.DoesNotContain(RelayPassword, run.Output, StringComparison.Ordinal);
        }
        // The node is gone (the process was killed): its data directory and, for PostgreSQL, its database are not used again.
        Assert.True(File.Exists(Path.Combine(backup, "keys", "key-encryption.pfx")));

        // A fresh data directory as the README says: owned by the service user, nobody else may read it.
        var restoredData = Path.Combine(_root.FullName, "restored");
        CreatePrivateDirectory(restoredData);
        CreatePrivateDirectory(Path.Combine(restoredData, "keys"));
        StoreSettings restored;
        if (provider == DatabaseProvider.Sqlite)
        {
            File.Copy(Path.Combine(backup, BackupCommand.SqliteFileName), Path.Combine(restoredData, BackupCommand.SqliteFileName));
            restored = new StoreSettings(provider, $"Data Source={Path.Combine(restoredData, BackupCommand.SqliteFileName)}");
        }
        else
        {
            restored = new StoreSettings(provider, await postgres.CreateDatabaseAsync());
            await PgRestoreAsync(restored, Path.Combine(backup, BackupCommand.PostgresDumpFileName));
        }
        var key = Path.Combine(restoredData, "keys", "key-encryption.pfx");
        File.Copy(Path.Combine(backup, "keys", "key-encryption.pfx"), key);
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(key, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        if (Directory.Exists(Path.Combine(backup, "maildir")))
            CopyTree(Path.Combine(backup, "maildir"), Path.Combine(restoredData, "maildir"));

        Volatile.Write(ref relayAnswers, true);
        // The restored store brings the receive connectors with their bindings: the node listens where the old one did.
        await using var restoredNode = await StartAsync(restored, restoredData, smtpPort);
        var delivered = Assert.Single(await relay.WaitForMessagesAsync(1, TimeSpan.FromSeconds(60)));
        Assert.Equal(RelayUser, delivered.AuthenticatedUser);
        Assert.Contains("Subject: Queued across a restore", delivered.Text, StringComparison.Ordinal);
        Assert.Contains("partner@fabrikam.test", delivered.Recipients);
        Assert.DoesNotContain(RelayPassword, restoredNode.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("could not be decrypted", restoredNode.Output, StringComparison.OrdinalIgnoreCase);
    }

    /// <param name="smtpPort">The Default Frontend's port: seeded into a new store, and kept in a restored one.</param>
    private async Task<ServerProcess> StartAsync(StoreSettings store, string dataDirectory, int smtpPort)
    {
        var httpPort = FreePort.Get();
        var node = await ServerProcess.StartAsync(store, dataDirectory, smtpPort, Environment(httpPort));
        node.HttpPort = httpPort;
        using var http = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{httpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        await MetricsEndpointTests.WaitUntilReadyAsync(http, node);
        return node;
    }

    private Dictionary<string, string> Environment(int httpPort) => new()
    {
        ["Urls"] = $"http://127.0.0.1:{httpPort}",
        ["Mailflow__Admin__InitialApiKey"] = ApiKey,
        // .NET on Linux reads its trusted roots from here instead of the system bundle.
        ["SSL_CERT_FILE"] = _trustedRoots,
    };

    private static HttpClient Admin(ServerProcess node)
    {
        var admin = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{node.HttpPort}"), Timeout = TimeSpan.FromSeconds(30) };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiKey);
        return admin;
    }

    /// <summary>fabrikam.test relayed for anyone (external relay domain) through a smart host that needs AUTH; retries every 2 s.</summary>
    private static async Task ConfigureAsync(HttpClient admin, int relayPort)
    {
        await ExpectAsync(await admin.PostAsJsonAsync("/api/v1/accepted-domains", new { domainName = "fabrikam.test", type = "ExternalRelay" }), HttpStatusCode.Created);
        await ExpectAsync(await admin.PostAsJsonAsync("/api/v1/send-connectors", new
        {
            name = "Partner relay",
            addressSpaces = new[] { new { domain = "fabrikam.test", cost = 1 } },
            routingMethod = "SmartHost",
            smartHosts = new[] { $"127.0.0.1:{relayPort}" },
            smartHostAuthentication = "Basic",
            smartHostUsername = RelayUser,
            smartHostPassword = RelayPassword,
            tlsPolicy = "RequiredWithCertificateValidation",
            tlsCertificateDomain = RelayName,
        }), HttpStatusCode.Created);
        using var current = await admin.GetAsync(new Uri("/api/v1/organization-settings", UriKind.Relative));
        await ExpectAsync(current, HttpStatusCode.OK);
        var settings = JsonNode.Parse(await current.Content.ReadAsStringAsync())!;
        settings["transientRetryIntervalSeconds"] = 2;
        settings["outboundConnectionFailureRetryIntervalSeconds"] = 2;
        using var put = new HttpRequestMessage(HttpMethod.Put, "/api/v1/organization-settings") { Content = JsonContent.Create(settings) };
        put.Headers.TryAddWithoutValidation("If-Match", current.Headers.ETag!.ToString());
        await ExpectAsync(await admin.SendAsync(put), HttpStatusCode.OK);
    }

    private static async Task ExpectAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        if (response.StatusCode != status)
            Assert.Fail($"{response.RequestMessage?.Method} {response.RequestMessage?.RequestUri}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
    }

    /// <summary>The documented restore: <c>pg_restore --no-owner --dbname=… mailflow.pgdump</c> into an empty database.</summary>
    private static async Task PgRestoreAsync(StoreSettings store, string dump)
    {
        var connection = new NpgsqlConnectionStringBuilder(store.ConnectionString);
        var start = new ProcessStartInfo("pg_restore", ["--no-owner", $"--dbname={connection.Database}", dump])
        {
            RedirectStandardError = true,
            RedirectStandardOutput = true,
            UseShellExecute = false,
        };
        start.Environment["PGHOST"] = connection.Host;
        start.Environment["PGPORT"] = connection.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
        start.Environment["PGUSER"] = connection.Username;
        if (connection.Password is { } password)
            start.Environment["PGPASSWORD"] = password;
        using var process = Process.Start(start)!;
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(120));
        Assert.True(process.ExitCode == 0, $"pg_restore exited with {process.ExitCode}: {await error}{await output}");
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

    private static async Task WaitUntilAsync(Func<bool> condition, string what, ServerProcess node)
    {
        for (var attempt = 0; attempt < 300 && !condition(); attempt++)
            await Task.Delay(100);
        Assert.True(condition(), $"waited 30 s for {what}:\n{node.Output}");
    }

    public void Dispose()
    {
        _stores.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        try
        {
            _root.Delete(recursive: true);
        }
        catch (IOException)
        {
            // A file still held; the temp directory is cleaned by the OS.
        }
    }
}
