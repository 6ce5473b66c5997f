using System.Text.Json;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Shared.Tests.Configuration;

/// <summary>
/// <c>Mailflow:ConfigFileMode</c> on both stores: a "restart" is a new node process on the same store
/// running the start-up seeders again. Seed applies only to an unconfigured store, WhenChanged when the
/// file's content changed, Always at every start (and the admin center is told which sections it owns).
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class ConfigurationFileModeTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestStores stores = new(postgres);
    private readonly string file = Path.Combine(Path.GetTempPath(), $"mailflow-config-mode-{Guid.NewGuid():N}.json");

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Seed_IsTheDefault_AndAppliesOnlyToAStoreNobodyConfiguredYet(DatabaseProvider provider)
    {
        var store = await stores.CreateAsync(provider);
        await WriteFileAsync("file.example");
        await using (var first = await StartAsync(store, mode: null))
        {
            Assert.Equal(["file.example"], await DomainsAsync(first));
            await first.Get<AcceptedDomainService>().CreateAsync(Actors.Admin, new AcceptedDomain { DomainName = "admin.example" });
        }
        await WriteFileAsync("changed.example");
        await using (var restarted = await StartAsync(store, mode: null))
            Assert.Equal(["admin.example", "file.example"], await DomainsAsync(restarted));

        // A store an administrator configured before the file appeared is not seeded either.
        var configured = await stores.CreateAsync(provider);
        await using (var withoutFile = await TestNode.StartAsync(configured, "node-a"))
            await withoutFile.Get<AcceptedDomainService>().CreateAsync(Actors.Admin, new AcceptedDomain { DomainName = "admin.example" });
        await using (var withFile = await StartAsync(configured, ConfigFileMode.Seed))
        {
            Assert.DoesNotContain("changed.example", await DomainsAsync(withFile));
            Assert.Null(await withFile.Get<ConfigurationFileSections>().OwnerOfAsync(ConfigurationFileSections.AcceptedDomains));
        }
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task WhenChanged_AppliesWhenTheFilesContentHashDiffersFromTheRecordedOne(DatabaseProvider provider)
    {
        var store = await stores.CreateAsync(provider);
        await WriteFileAsync("file.example");
        await using (var first = await StartAsync(store, ConfigFileMode.WhenChanged))
        {
            Assert.Equal(["file.example"], await DomainsAsync(first));
            await first.Get<AcceptedDomainService>().CreateAsync(Actors.Admin, new AcceptedDomain { DomainName = "admin.example" });
        }
        await using (var sameFile = await StartAsync(store, ConfigFileMode.WhenChanged))
            Assert.Equal(["admin.example", "file.example"], await DomainsAsync(sameFile));

        await WriteFileAsync("changed.example");
        await using (var changedFile = await StartAsync(store, ConfigFileMode.WhenChanged))
        {
            Assert.Equal(["changed.example"], await DomainsAsync(changedFile));
            Assert.Null(await changedFile.Get<ConfigurationFileSections>().OwnerOfAsync(ConfigurationFileSections.AcceptedDomains));
        }
        await using var db = TestStores.OpenContext(store);
        var records = await db.ConfigurationFileRecords.AsNoTracking().OrderBy(r => r.Id).ToListAsync();
        Assert.Equal(2, records.Count);
        Assert.NotEqual(records[0].ContentSha256, records[1].ContentSha256);
        Assert.All(records, r => Assert.Equal(ConfigFileMode.WhenChanged, r.Mode));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Always_AppliesAtEveryStart_AndOwnsTheSectionsTheFileContains(DatabaseProvider provider)
    {
        var store = await stores.CreateAsync(provider);
        await WriteFileAsync("file.example");
        await using (var first = await StartAsync(store, ConfigFileMode.Always))
            await first.Get<AcceptedDomainService>().CreateAsync(Actors.Admin, new AcceptedDomain { DomainName = "admin.example" });
        await using var restarted = await StartAsync(store, ConfigFileMode.Always);
        Assert.Equal(["file.example"], await DomainsAsync(restarted));

        var sections = restarted.Get<ConfigurationFileSections>();
        var owner = await sections.OwnerOfAsync(ConfigurationFileSections.AcceptedDomains);
        Assert.NotNull(owner);
        Assert.Equal(Path.GetFullPath(file), owner.Path);
        Assert.Null(await sections.OwnerOfAsync(ConfigurationFileSections.Rules));
    }

    private Task<TestNode> StartAsync(StoreSettings store, ConfigFileMode? mode)
    {
        var settings = new Dictionary<string, string?> { ["Mailflow:ConfigFile"] = file };
        if (mode is { } m)
            settings["Mailflow:ConfigFileMode"] = m.ToString();
        return TestNode.StartAsync(store, "node-a", settings: settings);
    }

    private Task WriteFileAsync(string domain) =>
        File.WriteAllTextAsync(file, JsonSerializer.Serialize(
            new ConfigurationDocument
            {
                AcceptedDomains = [new AcceptedDomainSpec { DomainName = domain, IsDefault = true }],
                Recipients = [new RecipientSpec { Kind = RecipientKind.Mailbox, PrimaryAddress = "postmaster@" + domain }],
            }, ConfigurationDocument.JsonOptions));

    private static async Task<List<string>> DomainsAsync(TestNode node) =>
        [.. (await node.Get<AcceptedDomainService>().ListAsync()).Select(d => d.DomainName).Order(StringComparer.Ordinal)];

    public void Dispose()
    {
        stores.Dispose();
        File.Delete(file);
    }
}
