using Mailflow.Data;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Admin.Web.Tests;

/// <summary>A real SQLite file in a fresh temp directory, with the Mailflow services registered on it and migrated.</summary>
public sealed class TemporarySqliteStore : IAsyncDisposable
{
    private TemporarySqliteStore(DirectoryInfo directory, IReadOnlyDictionary<string, string?>? settings)
    {
        Directory = directory;
        Settings = new StoreSettings(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(directory.FullName, "mailflow.db")}");
        Configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["Mailflow:DataDirectory"] = directory.FullName,
                ["Mailflow:NodeName"] = "node-test",
            })
            .AddInMemoryCollection(settings ?? new Dictionary<string, string?>())
            .Build();
    }

    public DirectoryInfo Directory { get; }
    public StoreSettings Settings { get; }
    public IConfiguration Configuration { get; }

    /// <param name="settings">Extra configuration keys, e.g. <c>Mailflow:Admin:InitialPassword</c>.</param>
    public static TemporarySqliteStore Create(IReadOnlyDictionary<string, string?>? settings = null) =>
        new(System.IO.Directory.CreateTempSubdirectory("mailflow-admin-tests-"), settings);

    /// <summary>Registers the store and the configuration services (<c>AddMailflowCore</c>) on <paramref name="services"/>.</summary>
    public void AddTo(IServiceCollection services)
    {
        services.AddLogging();
        services.AddMailflowCore(Configuration, Settings);
    }

    /// <summary>Applies the SQLite migrations; with <paramref name="seedDefaults"/> also runs the first-start seeders.</summary>
    public static async Task PrepareAsync(IServiceProvider services, bool seedDefaults)
    {
        await using (var db = await services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync())
            await db.Database.MigrateAsync();
        if (seedDefaults)
        {
            foreach (var seeder in services.GetServices<IStartupSeeder>())
                await seeder.SeedAsync(CancellationToken.None);
        }
    }

    public ValueTask DisposeAsync()
    {
        // Pooled connections keep the file open.
        SqliteConnection.ClearAllPools();
        Directory.Delete(recursive: true);
        return ValueTask.CompletedTask;
    }
}
