using Mailflow.Configuration;
using Mailflow.Data;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Mailflow.TestSupport;

/// <summary>
/// A Mailflow node without the web host: the real service registrations (<c>AddMailflowCore</c>) on a
/// given store, with its hosted services (configuration refresh loop, PostgreSQL listener) running.
/// Several nodes on one PostgreSQL database behave like a cluster.
/// </summary>
public sealed class TestNode : IAsyncDisposable
{
    private readonly List<IHostedService> started = [];

    private TestNode(ServiceProvider services) => Services = services;

    public ServiceProvider Services { get; }

    public T Get<T>() where T : notnull => Services.GetRequiredService<T>();

    public TransportConfigProvider Config => Get<TransportConfigProvider>();

    /// <summary>Waits (bounded) until this node's snapshot holds the newest generation saved in the store, and returns it.</summary>
    public async Task<long> WaitForLatestGenerationAsync(TimeSpan? timeout = null)
    {
        long latest;
        await using (var db = await Get<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync())
            latest = await TransportConfigLoader.ReadLatestGenerationAsync(db, CancellationToken.None);
        using var cancel = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(10));
        await Config.WaitForGenerationAsync(latest, cancel.Token);
        return latest;
    }

    /// <param name="seed">Run the start-up seeders (first-start defaults), as the server does after migrating.</param>
    /// <param name="services">Extra registrations (e.g. what the engine would provide), after the core's.</param>
    public static async Task<TestNode> StartAsync(StoreSettings store, string nodeName, bool seed = true, IDictionary<string, string?>? settings = null,
        Action<IServiceCollection>? services = null)
    {
        var values = new Dictionary<string, string?>
        {
            ["Mailflow:NodeName"] = nodeName,
            ["Mailflow:Fqdn"] = nodeName + ".mailflow.test",
            ["Mailflow:DataDirectory"] = Path.Combine(Path.GetTempPath(), "mailflow-node-" + Guid.NewGuid().ToString("N")),
            // The poll is the safety net; tests of live reload must pass through the signal paths, so keep it long.
            ["Mailflow:ConfigPollIntervalSeconds"] = "60",
            // Nodes of one cluster share the key-encryption certificate.
            [TestKeyEncryption.SettingKey] = TestKeyEncryption.CertificatePath,
        };
        foreach (var (key, value) in settings ?? new Dictionary<string, string?>())
            values[key] = value;
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(values).Build();
        var collection = new ServiceCollection();
        collection.AddLogging();
        collection.AddMailflowCore(configuration, store);
        services?.Invoke(collection);
        var provider = collection.BuildServiceProvider();
        var node = new TestNode(provider);

        await using (var db = await provider.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync())
            await db.Database.MigrateAsync();
        if (seed)
            foreach (var seeder in provider.GetServices<IStartupSeeder>())
                await seeder.SeedAsync(CancellationToken.None);
        foreach (var hosted in provider.GetServices<IHostedService>())
        {
            await hosted.StartAsync(CancellationToken.None);
            node.started.Add(hosted);
        }
        return node;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var hosted in Enumerable.Reverse(started))
            await hosted.StopAsync(CancellationToken.None);
        await Services.DisposeAsync();
    }
}
