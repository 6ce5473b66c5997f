using System.Text.Json;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;

namespace Mailflow.Shared.Tests.Configuration;

/// <summary>Address rewriting entries: validation, the set's rules, the snapshot's table and the configuration document, on both stores.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AddressRewriteServiceTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestStores stores = new(postgres);

    private async Task<TestNode> StartAsync(DatabaseProvider provider) => await TestNode.StartAsync(await stores.CreateAsync(provider), "node-a");

    private static AddressRewriteEntry Entry(string name, string inside, string outside, bool outboundOnly = false, params string[] exceptions) =>
        new() { Name = name, InternalAddress = inside, ExternalAddress = outside, OutboundOnly = outboundOnly, ExceptionList = [.. exceptions] };

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Create_NormalizesAndReachesTheSnapshot_ThenRefusesClashes(DatabaseProvider provider)
    {
        await using var node = await StartAsync(provider);
        var service = node.Get<AddressRewriteService>();
        var saved = await service.CreateAsync(Actors.Admin, Entry(" Corp ", "Corp.Contoso.COM", "contoso.com.", exceptions: " CEO@corp.contoso.com "));
        Assert.Equal(("Corp", "corp.contoso.com", "contoso.com"), (saved.Name, saved.InternalAddress, saved.ExternalAddress));
        Assert.Equal(["ceo@corp.contoso.com"], saved.ExceptionList);

        await node.WaitForLatestGenerationAsync();
        var table = node.Get<TransportConfigProvider>().Current.AddressRewriting;
        Assert.Equal("kim@contoso.com", table.Outbound("kim@corp.contoso.com")?.To);
        Assert.Null(table.Outbound("ceo@corp.contoso.com"));
        Assert.Equal("kim@corp.contoso.com", table.Inbound("kim@contoso.com")?.To);

        var sameName = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.CreateAsync(Actors.Admin, Entry("corp", "kim@sales.contoso.com", "kim@contoso.com")));
        Assert.Contains("already an entry named", sameName.Errors[nameof(AddressRewriteEntry.Name)].Single());
        var sameInside = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.CreateAsync(Actors.Admin, Entry("Other", "corp.contoso.com", "fabrikam.com")));
        Assert.Contains("already rewrites corp.contoso.com", sameInside.Errors[nameof(AddressRewriteEntry.InternalAddress)].Single());
        var twoWaysBack = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.CreateAsync(Actors.Admin, Entry("Sales", "sales.contoso.com", "contoso.com")));
        Assert.Contains("outbound only", twoWaysBack.Errors[nameof(AddressRewriteEntry.ExternalAddress)].Single());
        // Outbound only, the same external domain is fine: nothing has to come back through it.
        await service.CreateAsync(Actors.Admin, Entry("Sales", "sales.contoso.com", "contoso.com", outboundOnly: true));

        var stored = (await service.ListAsync()).Single(e => e.Name == "Corp");
        stored.Enabled = false;
        var updated = await service.UpdateAsync(Actors.Admin, stored);
        Assert.Equal(1, updated.Revision);
        await node.WaitForLatestGenerationAsync();
        Assert.Null(node.Get<TransportConfigProvider>().Current.AddressRewriting.Outbound("kim@corp.contoso.com"));
    }

    [Fact]
    public void ValidateFields_SaysWhatIsWrongWithEachField()
    {
        Assert.Contains("neither an address nor a domain", Errors(Entry("x", "not a domain", "contoso.com"))[nameof(AddressRewriteEntry.InternalAddress)].Single());
        Assert.Contains("rewrite it to one address", Errors(Entry("x", "kim@corp.contoso.com", "contoso.com"))[nameof(AddressRewriteEntry.ExternalAddress)].Single());
        Assert.Contains("rewrite it to one domain", Errors(Entry("x", "corp.contoso.com", "kim@contoso.com"))[nameof(AddressRewriteEntry.ExternalAddress)].Single());
        Assert.Contains("tick 'outbound only'", Errors(Entry("x", "*.contoso.com", "contoso.com"))[nameof(AddressRewriteEntry.OutboundOnly)].Single());
        Assert.Contains("is not under *.contoso.com", Errors(Entry("x", "*.contoso.com", "contoso.com", true, "fabrikam.com"))[nameof(AddressRewriteEntry.ExceptionList)].Single());
        Assert.Contains("Give the entry a name", Errors(Entry(" ", "corp.contoso.com", "contoso.com"))[nameof(AddressRewriteEntry.Name)].Single());
        Assert.Empty(Errors(Entry("x", "*.contoso.com", "contoso.com", true, "*.lab.contoso.com", "ceo@hq.contoso.com")));
    }

    private static IReadOnlyDictionary<string, string[]> Errors(AddressRewriteEntry entry) => AddressRewriteService.ValidateFields(entry).ToDictionary();

    [Fact]
    public void Table_MostSpecificEntryDecides_ExceptionsStay_SubdomainsOnlyOutbound()
    {
        var table = new AddressRewriteTable(
        [
            Entry("All", "*.contoso.com", "contoso.com", true, "*.lab.contoso.com"),
            Entry("Deep", "*.eu.contoso.com", "contoso.eu", true),
            Entry("Kim", "kim@hq.contoso.com", "kim.lee@contoso.com"),
            Entry("Off", "old.contoso.com", "contoso.org"),
        ]);
        // The local part is kept as written (it may be case-sensitive, RFC 5321 §2.4).
        Assert.Equal("Bo@contoso.com", table.Outbound("Bo@hq.contoso.com")?.To);
        Assert.Equal("kim.lee@contoso.com", table.Outbound("kim@hq.contoso.com")?.To);
        Assert.Equal("bo@contoso.eu", table.Outbound("bo@de.eu.contoso.com")?.To);
        Assert.Null(table.Outbound("bo@x.lab.contoso.com"));
        Assert.Null(table.Outbound("bo@contoso.com"));
        Assert.Null(table.Outbound("bo@fabrikam.com"));
        Assert.Equal("rewritten kim@hq.contoso.com → kim.lee@contoso.com by address rewriting entry 'Kim'", table.Outbound("kim@hq.contoso.com")!.Description);

        Assert.Equal("kim@hq.contoso.com", table.Inbound("kim.lee@contoso.com")?.To);
        Assert.Null(table.Inbound("bo@contoso.com"));
        Assert.Equal("bo@old.contoso.com", table.Inbound("bo@contoso.org")?.To);
        Assert.Equal("hq.contoso.com", table.InboundInternalDomainFor("contoso.com"));
        Assert.Null(table.InboundInternalDomainFor("contoso.eu"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Entries_RoundTripThroughTheDocument_AndInvalidOnesAreRefusedByPath(DatabaseProvider provider)
    {
        await using var node = await StartAsync(provider);
        var service = node.Get<AddressRewriteService>();
        var asCode = node.Get<ConfigurationAsCodeService>();
        await service.CreateAsync(Actors.Admin, Entry("Corp", "corp.contoso.com", "contoso.com", exceptions: "ceo@corp.contoso.com"));
        await service.CreateAsync(Actors.Admin, Entry("Labs", "*.labs.contoso.com", "contoso.com", outboundOnly: true));

        var exported = await asCode.ExportAsync(Actors.Admin);
        Assert.Equal(["Corp", "Labs"], exported.AddressRewrites!.Select(e => e.Name));
        var json = JsonSerializer.Serialize(exported, ConfigurationDocument.JsonOptions);
        Assert.Contains("\"addressRewrites\"", json);
        var reread = JsonSerializer.Deserialize<ConfigurationDocument>(json, ConfigurationDocument.JsonOptions)!;
        var same = await asCode.PlanAsync(reread);
        Assert.True(same.IsValid, string.Join(" ", same.Errors.SelectMany(e => e.Value)));
        Assert.Empty(same.Changes);

        await using var other = await StartAsync(provider);
        Assert.True((await other.Get<ConfigurationAsCodeService>().ApplyAsync(Actors.Admin, reread)).Applied);
        var copied = await other.Get<AddressRewriteService>().ListAsync();
        Assert.Equal(["ceo@corp.contoso.com"], copied.Single(e => e.Name == "Corp").ExceptionList);
        Assert.True(copied.Single(e => e.Name == "Labs").OutboundOnly);

        // A change to one entry updates it; an entry left out of a present section is removed.
        reread.AddressRewrites = [new AddressRewriteSpec { Name = "Corp", InternalAddress = "corp.contoso.com", ExternalAddress = "contoso.net" }];
        var plan = await asCode.ApplyAsync(Actors.Admin, reread);
        Assert.Equal((0, 1, 1), (plan.Plan.Creates, plan.Plan.Updates, plan.Plan.Deletes));
        Assert.Equal("contoso.net", Assert.Single(await service.ListAsync()).ExternalAddress);

        reread.AddressRewrites = [new AddressRewriteSpec { Name = "Wild", InternalAddress = "*.contoso.com", ExternalAddress = "contoso.com" }];
        var refused = await Assert.ThrowsAsync<ConfigurationValidationException>(() => asCode.ApplyAsync(Actors.Admin, reread));
        Assert.Contains("addressRewrites[0].OutboundOnly", refused.Errors.Keys);
    }

    public void Dispose() => stores.Dispose();
}
