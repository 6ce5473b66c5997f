using System.Text.Json;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Shared.Tests;

/// <summary>The real migrations, on a real SQLite file and a real PostgreSQL database: the schema the server creates at start-up.</summary>
[Collection(PostgresCollection.Name)]
public sealed class StoreMigrationTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestStores stores = new(postgres);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Migrate_AppliesEveryMigrationAndLeavesNoModelChanges_When_DatabaseIsNew(DatabaseProvider provider)
    {
        var store = await stores.CreateAsync(provider);
        await using var db = TestStores.OpenContext(store);
        Assert.NotEmpty(db.Database.GetMigrations());
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetPendingMigrationsAsync());

        await db.Database.MigrateAsync();

        Assert.Empty(await db.Database.GetPendingMigrationsAsync());
        Assert.Equal(db.Database.GetMigrations(), await db.Database.GetAppliedMigrationsAsync());
        // EF Core compares the model with the provider's latest snapshot: a model change without a
        // migration for this provider shows up here (and makes MigrateAsync throw PendingModelChangesWarning).
        Assert.False(db.Database.HasPendingModelChanges(),
            $"The EF model has changes that no {provider} migration covers: run scripts/add-migration.sh NAME.");
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ConfigurationObjects_ReadBackEqual_When_SavedToMigratedStore(DatabaseProvider provider)
    {
        var store = await stores.CreateMigratedAsync(provider);
        var domain = new AcceptedDomain
        {
            DomainName = "contoso.test",
            Type = AcceptedDomainType.InternalRelay,
            MatchSubdomains = true,
            IsDefault = true,
        };
        var connector = new ReceiveConnector
        {
            Name = "Partner relay",
            Bindings = [new IpBinding("0.0.0.0", 2525), new IpBinding("::", 2526)],
            RemoteIpRanges = ["10.0.0.0/8", "192.0.2.1-192.0.2.9", "2001:db8::/32"],
            Fqdn = "relay.contoso.test",
            Banner = "Partner relay ready",
            PermissionGroups = ReceivePermissionGroups.Partners | ReceivePermissionGroups.AuthenticatedUsers,
            AuthMechanisms = ReceiveAuthMechanisms.Tls | ReceiveAuthMechanisms.BasicAuth | ReceiveAuthMechanisms.BasicAuthRequireTls,
            TlsMode = ConnectorTlsMode.ImplicitTls,
            RequireTls = true,
            MaxMessageSizeBytes = 10L * 1024 * 1024,
            BareLineEndings = BareLineEndingPolicy.Normalize,
            ProtocolLogging = ProtocolLoggingLevel.Verbose,
            CertificateId = Guid.NewGuid(),
        };

        await using (var writer = TestStores.OpenContext(store))
        {
            writer.AddRange(domain, connector);
            await writer.SaveChangesAsync();
        }

        // A second context: the values come from the database, not from the first context's tracker.
        await using var reader = TestStores.OpenContext(store);
        var storedDomain = await reader.AcceptedDomains.AsNoTracking().SingleAsync();
        var storedConnector = await reader.ReceiveConnectors.AsNoTracking().SingleAsync();

        Assert.Equal(connector.Bindings, storedConnector.Bindings);
        Assert.Equal(connector.RemoteIpRanges, storedConnector.RemoteIpRanges);
        // Every other property, including ones added later, through their JSON form.
        Assert.Equal(JsonSerializer.Serialize(domain), JsonSerializer.Serialize(storedDomain));
        Assert.Equal(JsonSerializer.Serialize(connector), JsonSerializer.Serialize(storedConnector));
    }

    public void Dispose() => stores.Dispose();
}
