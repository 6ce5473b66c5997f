using System.Text.Json;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Shared.Tests.Configuration;

/// <summary>Rollback through configuration history on both stores.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ConfigurationHistoryTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestStores stores = new(postgres);

    private static string Canonical(ConfigurationDocument document) => JsonSerializer.Serialize(document, ConfigurationDocument.JsonOptions);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task RollBack_ReproducesEarlierConfigurationAsNewGeneration_When_ChangesFollowedIt(DatabaseProvider provider)
    {
        await using var node = await TestNode.StartAsync(await stores.CreateAsync(provider), "node-a");
        var domains = node.Get<AcceptedDomainService>();
        var rules = node.Get<TransportRuleService>();
        var history = node.Get<ConfigurationHistoryService>();
        var asCode = node.Get<ConfigurationAsCodeService>();

        var fabrikam = await domains.CreateAsync(Actors.Admin, new AcceptedDomain { DomainName = "fabrikam.test" });
        await rules.CreateAsync(Actors.Admin, new TransportRule { Name = "Tag", Definition = { Actions = [new RuleAction { Kind = "PrependSubject", Arguments = { ["Text"] = "[T] " } }] } });
        var target = (await history.ListAsync()).First().Number;
        var expected = Canonical(await asCode.ExportAsync(Actors.Admin));

        await domains.DeleteAsync(Actors.Admin, fabrikam.Id);
        await domains.CreateAsync(Actors.Admin, new AcceptedDomain { DomainName = "contoso.test", Type = AcceptedDomainType.InternalRelay });
        var ruleNow = Assert.Single(await rules.ListAsync());
        ruleNow.Mode = RuleMode.Test;
        await rules.UpdateAsync(Actors.Admin, ruleNow);
        Assert.NotEqual(expected, Canonical(await asCode.ExportAsync(Actors.Admin)));

        var plan = await history.PlanRollbackAsync(target);
        Assert.True(plan.IsValid);
        Assert.Contains(plan.Changes, c => c.Action == PlannedAction.Delete && c.Name == "contoso.test");
        Assert.Contains(plan.Changes, c => c.Action == PlannedAction.Create && c.Name == "fabrikam.test");

        var generation = await history.RollBackAsync(Actors.Admin, target);

        Assert.NotNull(generation);
        Assert.True(generation > target);
        Assert.Equal(expected, Canonical(await asCode.ExportAsync(Actors.Admin)));
        var latest = (await history.ListAsync()).First();
        Assert.Equal(generation, latest.Number);
        Assert.Equal($"Rolled back to generation {target}", latest.Summary);
        Assert.Equal("alice", latest.ChangedBy);
        Assert.NotEmpty(await history.ChangesAsync(latest.Number));
        await using var db = await node.Get<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        Assert.True(await db.AuditEntries.AnyAsync(a => a.Generation == generation && a.Actor == "alice"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task RollBack_IsRefused_When_ActorIsViewOnly(DatabaseProvider provider)
    {
        await using var node = await TestNode.StartAsync(await stores.CreateAsync(provider), "node-a");
        var history = node.Get<ConfigurationHistoryService>();
        var first = (await history.ListAsync()).Last().Number;

        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => history.RollBackAsync(Actors.Viewer, first));
    }

    public void Dispose() => stores.Dispose();
}
