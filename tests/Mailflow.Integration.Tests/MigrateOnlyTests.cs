using System.Diagnostics;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Integration.Tests;

/// <summary>
/// <c>Mailflow.Server --migrate-only</c> as an operator runs it before an upgrade: the configured store gets every
/// migration, nothing is seeded or opened, the process exits 0 (and 0 again when there is nothing left to do);
/// a store it cannot reach gives exit code 1 and a message that says which store and why.
/// </summary>
public sealed class MigrateOnlyTests(PostgresFixture postgres) : IClassFixture<PostgresFixture>, IDisposable
{
    private readonly TestStores stores = new(postgres);
    private readonly DirectoryInfo dataDirectory = Directory.CreateTempSubdirectory("mailflow-migrate-");

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task MigrateOnly_OnAnEmptyStore_AppliesEveryMigrationSeedsNothingAndExits0(DatabaseProvider provider)
    {
        var store = await stores.CreateAsync(provider);
        var smtpPort = FreePort.Get();

        var first = await RunAsync(store, smtpPort);

        Assert.True(first.ExitCode == 0, first.Output);
        await using (var db = TestStores.OpenContext(store))
        {
            var all = db.Database.GetMigrations().ToList();
            Assert.NotEmpty(all);
            Assert.Equal(all, await db.Database.GetAppliedMigrationsAsync());
            Assert.Contains($"applied {all.Count} migration(s) to the {provider} store", first.Output, StringComparison.Ordinal);
            // Schema only: the first-start defaults are the server's job when it starts.
            Assert.Equal(0, await db.AcceptedDomains.CountAsync());
            Assert.Equal(0, await db.ConfigurationGenerations.CountAsync());
        }
        // It never listened: the seeded SMTP port is free.
        using (var probe = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, smtpPort))
            probe.Start();

        var again = await RunAsync(store, smtpPort);
        Assert.True(again.ExitCode == 0, again.Output);
        Assert.Contains("is up to date; no migration to apply", again.Output, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]
    public async Task MigrateOnly_WhenTheStoreCannotBeReached_Exits1AndSaysWhy(DatabaseProvider provider)
    {
        // PostgreSQL: a port nobody listens on. SQLite: a database file inside a regular file, which no one can create.
        var blocker = Path.Combine(dataDirectory.FullName, "not-a-directory");
        await File.WriteAllTextAsync(blocker, "");
        var store = provider == DatabaseProvider.Postgres
            ? new StoreSettings(provider, $"Host=127.0.0.1;Port={FreePort.Get()};Database=mailflow;Username=mailflow;Password=secret-password;Timeout=5")
            : new StoreSettings(provider, $"Data Source={Path.Combine(blocker, "mailflow.db")}");

        var result = await RunAsync(store, FreePort.Get());

        Assert.True(result.ExitCode == 1, result.Output);
        Assert.Contains($"Mailflow: migrating the {provider} store (", result.Output, StringComparison.Ordinal);
        Assert.Contains(") failed: ", result.Output, StringComparison.Ordinal);
        Assert.DoesNotContain("secret-password", result.Output, StringComparison.Ordinal);
    }

    private async Task<(int ExitCode, string Output)> RunAsync(StoreSettings store, int smtpPort)
    {
        var serverDll = typeof(Program).Assembly.Location;
        var start = new ProcessStartInfo("dotnet", [serverDll, "--migrate-only"])
        {
            WorkingDirectory = Path.GetDirectoryName(serverDll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        start.Environment["Urls"] = $"http://127.0.0.1:{FreePort.Get()}";
        start.Environment["Database__Provider"] = store.Provider.ToString();
        start.Environment["ConnectionStrings__Mailflow"] = store.ConnectionString;
        start.Environment["Mailflow__DataDirectory"] = dataDirectory.FullName;
        start.Environment["Mailflow__Seed__BindAddress"] = "127.0.0.1";
        start.Environment["Mailflow__Seed__DefaultFrontendPort"] = smtpPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        using var process = Process.Start(start)!;
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
            throw new TimeoutException($"--migrate-only did not exit within 120 s:\n{await stdout}\n{await stderr}");
        }
        return (process.ExitCode, await stdout + await stderr);
    }

    public void Dispose()
    {
        stores.Dispose();
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        dataDirectory.Delete(recursive: true);
    }
}
