using Mailflow.Data;
using Mailflow.Server.Hosting;
using Mailflow.Server.Transport.Queue;
using Microsoft.Data.Sqlite;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;

namespace Mailflow.Queue.Tests;

/// <summary>
/// A migrated store (real migrations) plus the queue services wired the way the server wires them,
/// with a fake clock. One per test: its own SQLite file or PostgreSQL database, its own data directory.
/// </summary>
public sealed class TestStore : IAsyncDisposable
{
    private readonly ServiceProvider _services;

    private TestStore(ServiceProvider services, StoreSettings settings, string dataDirectory, FakeTimeProvider time)
    {
        _services = services;
        Settings = settings;
        DataDirectory = dataDirectory;
        Time = time;
    }

    public StoreSettings Settings { get; }
    public string DataDirectory { get; }
    public FakeTimeProvider Time { get; }
    public StoreMessageSink Sink => _services.GetRequiredService<StoreMessageSink>();
    public QueueStore Queue => _services.GetRequiredService<QueueStore>();
    public GroupCommitter Committer => _services.GetRequiredService<GroupCommitter>();
    public SqliteStoreGate Gate => _services.GetRequiredService<SqliteStoreGate>();
    public IDbContextFactory<MailflowDbContext> DbFactory => _services.GetRequiredService<IDbContextFactory<MailflowDbContext>>();
    public string SpoolDirectory => Sink.SpoolDirectory;

    public static Task<TestStore> CreateSqliteAsync()
    {
        var dataDirectory = Directory.CreateTempSubdirectory("mailflow-queue-test-").FullName;
        return CreateAsync(new StoreSettings(DatabaseProvider.Sqlite, $"Data Source={Path.Combine(dataDirectory, "mailflow.db")}"), dataDirectory);
    }

    public static Task<TestStore> CreatePostgresAsync(string connectionString) =>
        CreateAsync(new StoreSettings(DatabaseProvider.Postgres, connectionString), Directory.CreateTempSubdirectory("mailflow-queue-test-").FullName);

    private static async Task<TestStore> CreateAsync(StoreSettings settings, string dataDirectory)
    {
        var configuration = new ConfigurationBuilder()
            .AddInMemoryCollection(new Dictionary<string, string?> { ["Mailflow:DataDirectory"] = dataDirectory })
            .Build();
        var time = new FakeTimeProvider(new DateTimeOffset(2026, 3, 2, 9, 0, 0, TimeSpan.Zero));
        var services = new ServiceCollection()
            .AddLogging()
            .AddMailflowCore(configuration, settings)
            .AddSingleton<TimeProvider>(time)
            .AddMessageQueue()
            .BuildServiceProvider();
        var store = new TestStore(services, settings, dataDirectory, time);
        await using var db = await store.CreateDbContextAsync();
        await db.Database.MigrateAsync();
        return store;
    }

    public Task<MailflowDbContext> CreateDbContextAsync() =>
        _services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();

    public async ValueTask DisposeAsync()
    {
        await _services.DisposeAsync();
        SqliteConnection.ClearAllPools();
        Directory.Delete(DataDirectory, recursive: true);
    }
}
