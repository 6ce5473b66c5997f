using System.Text.Json;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;

namespace Mailflow.Shared.Tests.Configuration;

/// <summary>Remote domains: the default entry from the migration, validation, the snapshot and the configuration document, on both stores.</summary>
[Collection(PostgresCollection.Name)]
public sealed class RemoteDomainServiceTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestStores stores = new(postgres);

    private async Task<TestNode> StartAsync(DatabaseProvider provider) => await TestNode.StartAsync(await stores.CreateAsync(provider), "node-a");

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task TheDefaultEntryExists_CannotBeRemovedOrMoved_AndTheSnapshotFindsEntries(DatabaseProvider provider)
    {
        await using var node = await StartAsync(provider);
        var service = node.Get<RemoteDomainService>();
        var fallback = Assert.Single(await service.ListAsync());
        Assert.Equal((RemoteDomain.DefaultId, "*", "Default"), (fallback.Id, fallback.DomainName, fallback.Name));

        var removed = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.DeleteAsync(Actors.Admin, fallback.Id));
        Assert.Contains("always exists", removed.Errors["DomainName"][0]);
        fallback.DomainName = "fabrikam.com";
        var moved = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.UpdateAsync(Actors.Admin, fallback));
        Assert.Contains("its domain cannot change", moved.Errors["DomainName"][0]);
        var again = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.CreateAsync(Actors.Admin, new RemoteDomain { Name = "Another default", DomainName = "*" }));
        Assert.Equal("The default entry (*) already exists: edit it instead.", again.Errors["DomainName"][0]);

        await service.CreateAsync(Actors.Admin, new RemoteDomain { Name = "Fabrikam", DomainName = "*.Fabrikam.com", AllowAutomaticReplies = false, TrustedPartner = true });
        await node.WaitForLatestGenerationAsync();
        var snapshot = node.Config.Current;
        Assert.Equal(2, snapshot.RemoteDomains.Length);
        Assert.Equal("Fabrikam", snapshot.RemoteDomainSettings.Find("eu.fabrikam.com").Name);
        Assert.True(snapshot.RemoteDomainSettings.Find("fabrikam.com").IsDefault);
        Assert.True(snapshot.IsInsideOrganization("eu.fabrikam.com"));
        Assert.False(snapshot.IsInsideOrganization("northwind.com"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Entries_RoundTripThroughTheDocument_ADocumentWithoutTheDefaultResetsIt(DatabaseProvider provider)
    {
        await using var node = await StartAsync(provider);
        var service = node.Get<RemoteDomainService>();
        var asCode = node.Get<ConfigurationAsCodeService>();
        await service.CreateAsync(Actors.Admin, new RemoteDomain { Name = "Fabrikam", DomainName = "fabrikam.com", AllowNonDeliveryReports = false, CharacterSet = "iso-8859-1", LineWrapSize = 72 });
        var fallback = (await service.ListAsync()).Single(d => d.IsDefault);
        fallback.AllowDeliveryReports = false;
        await service.UpdateAsync(Actors.Admin, fallback);

        var exported = await asCode.ExportAsync(Actors.Admin);
        Assert.Equal(["*", "fabrikam.com"], exported.RemoteDomains!.Select(e => e.DomainName));
        var json = JsonSerializer.Serialize(exported, ConfigurationDocument.JsonOptions);
        Assert.Contains("\"remoteDomains\"", json);
        var reread = JsonSerializer.Deserialize<ConfigurationDocument>(json, ConfigurationDocument.JsonOptions)!;
        var same = await asCode.PlanAsync(reread);
        Assert.True(same.IsValid, string.Join(" ", same.Errors.SelectMany(e => e.Value)));
        Assert.Empty(same.Changes);

        await using var other = await StartAsync(provider);
        Assert.True((await other.Get<ConfigurationAsCodeService>().ApplyAsync(Actors.Admin, reread)).Applied);
        var copied = await other.Get<RemoteDomainService>().ListAsync();
        Assert.Equal((72, "iso-8859-1", false), (copied.Single(e => e.Name == "Fabrikam").LineWrapSize!.Value, copied.Single(e => e.Name == "Fabrikam").CharacterSet!, copied.Single(e => e.Name == "Fabrikam").AllowNonDeliveryReports));
        Assert.False(copied.Single(e => e.IsDefault).AllowDeliveryReports);

        // A section without the default resets it rather than removing it; entries left out go.
        reread.RemoteDomains = [new RemoteDomainSpec { Name = "Northwind", DomainName = "northwind.com", AllowAutomaticForwards = false }];
        var plan = await asCode.ApplyAsync(Actors.Admin, reread);
        Assert.Equal((1, 1, 1), (plan.Plan.Creates, plan.Plan.Updates, plan.Plan.Deletes));
        var now = await service.ListAsync();
        Assert.Equal(["northwind.com", "*"], now.Select(d => d.DomainName));
        Assert.True(now.Single(d => d.IsDefault).AllowDeliveryReports);

        reread.RemoteDomains = [new RemoteDomainSpec { Name = "Everyone", DomainName = "*", TrustedPartner = true }];
        var refused = await Assert.ThrowsAsync<ConfigurationValidationException>(() => asCode.ApplyAsync(Actors.Admin, reread));
        Assert.Contains("remoteDomains[0].TrustedPartner", refused.Errors.Keys);
    }

    public void Dispose() => stores.Dispose();
}
