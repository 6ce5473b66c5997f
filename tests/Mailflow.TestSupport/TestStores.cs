using Mailflow.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Infrastructure;
using Xunit;

namespace Mailflow.TestSupport;

/// <summary>
/// Fresh stores for tests written once and run on both providers:
/// <code>
/// [Theory]
/// [InlineData(DatabaseProvider.Sqlite)]
/// [InlineData(DatabaseProvider.Postgres)]
/// public async Task X_When_Y(DatabaseProvider provider)
/// {
///     var store = await stores.CreateMigratedAsync(provider);
///     await using var db = TestStores.OpenContext(store);
/// </code>
/// Each call is a new, empty database (a SQLite file in its own temp directory, or a new PostgreSQL
/// database on the <see cref="PostgresFixture"/> server). Dispose the instance at the end of the test
/// class to delete the SQLite directories.
/// </summary>
public sealed class TestStores(PostgresFixture? postgres = null) : IDisposable
{
    private readonly List<SqliteTestStore> sqliteStores = [];

    /// <summary>Both providers, for <c>[MemberData(nameof(TestStores.Providers), MemberType = typeof(TestStores))]</c>.</summary>
    public static TheoryData<DatabaseProvider> Providers => new() { DatabaseProvider.Sqlite, DatabaseProvider.Postgres };

    /// <summary>Settings for a new, empty database (no tables yet).</summary>
    public async Task<StoreSettings> CreateAsync(DatabaseProvider provider)
    {
        switch (provider)
        {
            case DatabaseProvider.Sqlite:
                var sqlite = new SqliteTestStore();
                lock (sqliteStores)
                    sqliteStores.Add(sqlite);
                return sqlite.Settings;
            case DatabaseProvider.Postgres:
                if (postgres is null)
                    throw new InvalidOperationException(
                        $"PostgreSQL stores need the fixture: put the test class in [Collection({nameof(PostgresCollection)}.{nameof(PostgresCollection.Name)})] and pass its {nameof(PostgresFixture)} to new {nameof(TestStores)}(postgres).");
                return new StoreSettings(DatabaseProvider.Postgres, await postgres.CreateDatabaseAsync());
            default:
                throw new ArgumentOutOfRangeException(nameof(provider), provider, null);
        }
    }

    /// <summary>Settings for a new database with every migration of the provider applied (the real schema, as the server creates it).</summary>
    public async Task<StoreSettings> CreateMigratedAsync(DatabaseProvider provider)
    {
        var settings = await CreateAsync(provider);
        await MigrateAsync(settings);
        return settings;
    }

    /// <summary>A context on the given store, configured exactly as the server configures it (provider + migrations assembly).</summary>
    public static MailflowDbContext OpenContext(StoreSettings settings)
    {
        var builder = new DbContextOptionsBuilder<MailflowDbContext>();
        settings.Configure(builder);
        return new MailflowDbContext(builder.Options);
    }

    /// <summary>A context factory on the given store, for code that takes <see cref="IDbContextFactory{TContext}"/> as the server registers it.</summary>
    public static IDbContextFactory<MailflowDbContext> CreateFactory(StoreSettings settings)
    {
        var builder = new DbContextOptionsBuilder<MailflowDbContext>();
        settings.Configure(builder);
        return new PooledDbContextFactory<MailflowDbContext>(builder.Options);
    }

    /// <summary>Applies the provider's migrations. EF Core refuses (PendingModelChangesWarning) when the model has changes no migration covers.</summary>
    public static async Task MigrateAsync(StoreSettings settings)
    {
        await using var db = OpenContext(settings);
        await db.Database.MigrateAsync();
    }

    public void Dispose()
    {
        lock (sqliteStores)
        {
            foreach (var store in sqliteStores)
                store.Dispose();
            sqliteStores.Clear();
        }
    }
}
