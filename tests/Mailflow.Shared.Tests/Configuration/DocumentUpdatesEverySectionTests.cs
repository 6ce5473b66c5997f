using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;

namespace Mailflow.Shared.Tests.Configuration;

/// <summary>
/// A document that changes an existing entry updates it in place, whatever the section: the planner
/// keeps the stored entry's id for every kind of configuration object (an IP list entry or a journal
/// rule changed by a document once failed with "ArgumentOutOfRangeException: IpListEntry").
/// </summary>
[Collection(PostgresCollection.Name)]
public sealed class DocumentUpdatesEverySectionTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestStores stores = new(postgres);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ChangedIpListEntryAndJournalRule_AreUpdatedInPlace(DatabaseProvider provider)
    {
        await using var node = await TestNode.StartAsync(await stores.CreateAsync(provider), "node-a");
        var ipLists = node.Get<IpListService>();
        var journal = node.Get<JournalRuleService>();
        var entry = await ipLists.CreateAsync(Actors.Admin, new IpListEntry { List = IpListKind.Block, Range = "198.51.100.7", Comment = "abuse" });
        var rule = await journal.CreateAsync(Actors.Admin, new JournalRule { Name = "Archive", JournalAddress = "archive@fabrikam.example" });
        var asCode = node.Get<ConfigurationAsCodeService>();

        var document = await asCode.ExportAsync(Actors.Admin);
        document.IpLists!.Single().Comment = "abuse, reported twice";
        document.JournalRules!.Single().JournalAddress = "vault@fabrikam.example";
        var applied = await asCode.ApplyAsync(Actors.Admin, document);

        Assert.True(applied.Applied);
        Assert.Equal((0, 2, 0), (applied.Plan.Creates, applied.Plan.Updates, applied.Plan.Deletes));
        var storedEntry = Assert.Single(await ipLists.ListAsync());
        Assert.Equal((entry.Id, "abuse, reported twice"), (storedEntry.Id, storedEntry.Comment));
        var storedRule = Assert.Single(await journal.ListAsync());
        Assert.Equal((rule.Id, "vault@fabrikam.example"), (storedRule.Id, storedRule.JournalAddress));
    }

    public void Dispose() => stores.Dispose();
}
