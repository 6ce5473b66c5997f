using System.Net;
using System.Text;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Security;
using Mailflow.TestSupport;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Mailflow.Api.Tests;

/// <summary>
/// Secrets at rest (issue 13, finding 1): the database file alone gives away no secret, the data
/// directory and everything the server writes in it are private to the server's user, and a data
/// directory left readable by others is named at start-up.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class SecretsAtRestTests
{
    private const string SmartHostPassword = "smart-host-secret-at-rest-4711";

    [Fact]
    public async Task TheDatabaseFileAlone_DecryptsNoSecret_AndTheServerNeverWarnsAboutAnUnencryptedKeyRing()
    {
        var root = Directory.CreateTempSubdirectory("mailflow-at-rest-");
        var logs = new CapturingLoggerProvider();
        try
        {
            var dataDirectory = Path.Combine(root.FullName, "data");
            string protectedPassword;
            await using (var server = await ApiServer.StartAsync(DatabaseProvider.Sqlite, null,
                new Dictionary<string, string?> { ["Mailflow:DataDirectory"] = dataDirectory },
                builder => builder.ConfigureLogging(l => l.AddProvider(logs))))
            {
                using var admin = server.Client();
                await admin.SendJsonAsync(HttpMethod.Post, "api/v1/send-connectors", new
                {
                    name = "Relay at rest",
                    addressSpaces = new[] { new { domain = "*", cost = 5 } },
                    routingMethod = "SmartHost",
                    smartHosts = new[] { "relay.example.net:587" },
                    smartHostAuthentication = "Basic",
                    smartHostUsername = "mailflow",
                    smartHostPassword = SmartHostPassword,
                    tlsPolicy = "RequiredWithCertificateValidation",
                }).ExpectAsync(HttpStatusCode.Created);
                var stored = (await server.Services.GetRequiredService<SendConnectorService>().ListAsync()).Single(c => c.Name == "Relay at rest");
                protectedPassword = stored.SmartHostPasswordProtected!;
                // The server itself can still decrypt it (it has the certificate).
                Assert.Equal(SmartHostPassword, server.Services.GetRequiredService<SmartHostPasswordProtector>().Unprotect(stored));
            }
            SqliteConnection.ClearAllPools();

            Assert.DoesNotContain(logs.Messages, m => m.Contains("No XML encryptor configured", StringComparison.Ordinal));
            Assert.Contains(logs.Messages, m => m.Contains(KeyEncryptionCertificate.DefaultFileName, StringComparison.Ordinal));

            // The attacker has the database file and nothing else.
            var stolen = Path.Combine(Directory.CreateDirectory(Path.Combine(root.FullName, "stolen")).FullName, "mailflow.db");
            File.Copy(Path.Combine(dataDirectory, "mailflow.db"), stolen);
            Assert.DoesNotContain(SmartHostPassword, Encoding.UTF8.GetString(await File.ReadAllBytesAsync(stolen)));

            var attacker = new ServiceCollection().AddLogging();
            attacker.AddDbContextFactory<MailflowDbContext>(o => new StoreSettings(DatabaseProvider.Sqlite, $"Data Source={stolen}").Configure(o));
            attacker.AddDataProtection().SetApplicationName("Mailflow").PersistKeysToDbContext<MailflowDbContext>();
            await using var provider = attacker.BuildServiceProvider();
            await using (var db = await provider.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync())
            {
                var keys = await db.DataProtectionKeys.Select(k => k.Xml).ToListAsync();
                Assert.NotEmpty(keys);
                // Every key is wrapped in XML encryption; no master key is readable.
                Assert.All(keys, xml =>
                {
                    Assert.Contains("encryptedSecret", xml, StringComparison.Ordinal);
                    Assert.DoesNotContain("<masterKey", xml, StringComparison.Ordinal);
                });
            }
            var protector = provider.GetRequiredService<IDataProtectionProvider>().CreateProtector("Mailflow.SendConnector.SmartHostPassword.v1");
            Assert.ThrowsAny<System.Security.Cryptography.CryptographicException>(() => protector.Unprotect(protectedPassword));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task AFreshDataDirectory_Is0700_AndEveryFileInIt0600()
    {
        var root = Directory.CreateTempSubdirectory("mailflow-modes-");
        try
        {
            var dataDirectory = Path.Combine(root.FullName, "fresh", "data");
            await using (var server = await ApiServer.StartAsync(DatabaseProvider.Sqlite, null,
                new Dictionary<string, string?> { ["Mailflow:DataDirectory"] = dataDirectory }))
            {
                using var admin = server.Client();
                await admin.GetOkAsync("api/v1/accepted-domains");
            }
            SqliteConnection.ClearAllPools();

            Assert.Equal(DataDirectoryPermissions.DirectoryMode, File.GetUnixFileMode(dataDirectory));
            var entries = new DirectoryInfo(dataDirectory).EnumerateFileSystemInfos("*", SearchOption.AllDirectories).ToList();
            Assert.Contains(entries, e => e.Name == "mailflow.db");
            Assert.Contains(entries, e => e.Name == KeyEncryptionCertificate.DefaultFileName);
            Assert.All(entries, e => Assert.True(
                e.UnixFileMode == (e is DirectoryInfo ? DataDirectoryPermissions.DirectoryMode : DataDirectoryPermissions.FileMode),
                $"{e.FullName} has mode {e.UnixFileMode}"));
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            root.Delete(recursive: true);
        }
    }

    [Fact]
    public async Task ADataDirectoryOthersMayRead_IsNamedAtStartUp()
    {
        var root = Directory.CreateTempSubdirectory("mailflow-loose-");
        var logs = new CapturingLoggerProvider();
        try
        {
            var dataDirectory = Directory.CreateDirectory(Path.Combine(root.FullName, "data")).FullName;
            File.SetUnixFileMode(dataDirectory, DataDirectoryPermissions.DirectoryMode | UnixFileMode.GroupRead | UnixFileMode.GroupExecute | UnixFileMode.OtherRead | UnixFileMode.OtherExecute);
            var leftOver = Path.Combine(dataDirectory, "old-export.json");
            await File.WriteAllTextAsync(leftOver, "{}");
            File.SetUnixFileMode(leftOver, DataDirectoryPermissions.FileMode | UnixFileMode.OtherRead);

            await using (await ApiServer.StartAsync(DatabaseProvider.Sqlite, null,
                new Dictionary<string, string?> { ["Mailflow:DataDirectory"] = dataDirectory },
                builder => builder.ConfigureLogging(l => l.AddProvider(logs))))
            {
            }

            var warning = Assert.Single(logs.Messages, m => m.StartsWith("2310 ", StringComparison.Ordinal));
            Assert.Contains(leftOver, warning, StringComparison.Ordinal);
            Assert.Contains("other users may read", warning, StringComparison.Ordinal);
        }
        finally
        {
            SqliteConnection.ClearAllPools();
            root.Delete(recursive: true);
        }
    }
}
