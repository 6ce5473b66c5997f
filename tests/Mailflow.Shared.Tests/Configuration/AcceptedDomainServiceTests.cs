using Mailflow.Auditing;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Shared.Tests.Configuration;

/// <summary>The accepted domain service on both stores: validation, default domain, audit, generations.</summary>
[Collection(PostgresCollection.Name)]
public sealed class AcceptedDomainServiceTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestStores stores = new(postgres);

    private async Task<TestNode> NodeAsync(DatabaseProvider provider) =>
        await TestNode.StartAsync(await stores.CreateAsync(provider), "node-a");

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Create_SavesAuditsAndPublishesGeneration_When_DomainIsNew(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<AcceptedDomainService>();
        var before = node.Config.Current.Generation;

        var created = await service.CreateAsync(Actors.Admin, new AcceptedDomain { DomainName = " Contoso.TEST. ", Type = AcceptedDomainType.InternalRelay });

        Assert.Equal("contoso.test", created.DomainName);
        await using var db = await node.Get<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        var generation = await db.ConfigurationGenerations.OrderByDescending(g => g.Number).FirstAsync();
        Assert.Equal("alice", generation.ChangedBy);
        Assert.Contains("contoso.test", generation.Summary);
        var audit = await db.AuditEntries.SingleAsync(a => a.ObjectId == created.Id.ToString());
        Assert.Equal(AuditAction.Create, audit.Action);
        Assert.Equal(generation.Number, audit.Generation);
        Assert.Null(audit.Before);
        Assert.Contains("\"type\":\"InternalRelay\"", audit.After);
        Assert.True(generation.Number > before);
        // The in-process bus reloads the snapshot; no poll needed.
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
        await node.Config.WaitForGenerationAsync(generation.Number, timeout.Token);
        Assert.Equal(AcceptedDomainType.InternalRelay, node.Config.Current.FindAcceptedDomain("contoso.test")?.Type);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Create_RefusesWithFieldMessage_When_DomainAlreadyAccepted(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<AcceptedDomainService>();
        await service.CreateAsync(Actors.Admin, new AcceptedDomain { DomainName = "contoso.com" });

        var error = await Assert.ThrowsAsync<ConfigurationValidationException>(() =>
            service.CreateAsync(Actors.Admin, new AcceptedDomain { DomainName = "CONTOSO.com" }));

        Assert.Equal(["contoso.com is already an accepted domain."], error.Errors[nameof(AcceptedDomain.DomainName)]);
        Assert.Single(await service.ListAsync(), d => d.DomainName == "contoso.com");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Update_MovesTheDefault_When_AnotherDomainBecomesDefault(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<AcceptedDomainService>();
        var seededDefault = (await service.ListAsync()).Single(d => d.IsDefault);
        var contoso = await service.CreateAsync(Actors.Admin, new AcceptedDomain { DomainName = "contoso.com" });
        Assert.False(contoso.IsDefault);

        contoso.IsDefault = true;
        await service.UpdateAsync(Actors.Admin, contoso);

        var domains = await service.ListAsync();
        Assert.Equal("contoso.com", domains.Single(d => d.IsDefault).DomainName);
        Assert.False(domains.Single(d => d.Id == seededDefault.Id).IsDefault);
        var refused = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.DeleteAsync(Actors.Admin, contoso.Id));
        Assert.Contains("default domain", refused.Errors[nameof(AcceptedDomain.IsDefault)].Single());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Update_ReportsConflict_When_SavedFromAStaleRevision(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<AcceptedDomainService>();
        var created = await service.CreateAsync(Actors.Admin, new AcceptedDomain { DomainName = "contoso.com" });
        var first = (await service.GetAsync(created.Id))!;
        var second = (await service.GetAsync(created.Id))!;

        first.Type = AcceptedDomainType.ExternalRelay;
        await service.UpdateAsync(Actors.Admin, first);
        second.MatchSubdomains = true;

        await Assert.ThrowsAsync<ConfigurationConflictException>(() => service.UpdateAsync(Actors.Admin, second));
        var stored = (await service.GetAsync(created.Id))!;
        Assert.Equal(AcceptedDomainType.ExternalRelay, stored.Type);
        Assert.False(stored.MatchSubdomains);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Delete_IsRefused_When_RecipientsStillUseTheDomain(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var domains = node.Get<AcceptedDomainService>();
        var contoso = await domains.CreateAsync(Actors.Admin, new AcceptedDomain { DomainName = "contoso.com" });
        var bob = await node.Get<RecipientService>().CreateAsync(Actors.Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "bob@contoso.com" });

        var refused = await Assert.ThrowsAsync<ConfigurationValidationException>(() => domains.DeleteAsync(Actors.Admin, contoso.Id));
        Assert.Contains("bob@contoso.com", refused.Errors[nameof(AcceptedDomain.DomainName)].Single());

        await node.Get<RecipientService>().DeleteAsync(Actors.Admin, bob.Id);
        await domains.DeleteAsync(Actors.Admin, contoso.Id);
        Assert.DoesNotContain(await domains.ListAsync(), d => d.DomainName == "contoso.com");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Changes_AreRefused_When_ActorIsViewOnly(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<AcceptedDomainService>();
        var generation = node.Config.Current.Generation;

        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => service.CreateAsync(Actors.Viewer, new AcceptedDomain { DomainName = "contoso.com" }));
        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => service.CreateAsync(Actors.RecipientAdmin, new AcceptedDomain { DomainName = "contoso.com" }));

        Assert.DoesNotContain(await service.ListAsync(), d => d.DomainName == "contoso.com");
        await using var db = await node.Get<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        Assert.Equal(generation, await db.ConfigurationGenerations.MaxAsync(g => g.Number));
    }

    public void Dispose() => stores.Dispose();
}
