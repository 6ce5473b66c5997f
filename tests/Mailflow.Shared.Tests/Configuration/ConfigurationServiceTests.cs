using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Shared.Tests.Configuration;

/// <summary>Connectors, recipients, rules and settings through their services on both stores.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ConfigurationServiceTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestStores stores = new(postgres);

    private async Task<TestNode> NodeAsync(DatabaseProvider provider) =>
        await TestNode.StartAsync(await stores.CreateAsync(provider), "node-a");

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Seeding_CreatesExchangeLikeDefaults_When_StoreIsEmpty(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var config = node.Config.Current;

        Assert.Equal(["Client Frontend", "Client Implicit TLS", "Default Frontend"], config.ReceiveConnectors.Select(c => c.Name));
        var frontend = config.ReceiveConnectors.Single(c => c.Name == "Default Frontend");
        Assert.Equal([new IpBinding("0.0.0.0", 2525)], frontend.Bindings);
        Assert.Equal(ReceivePermissionGroups.AnonymousUsers | ReceivePermissionGroups.AuthenticatedUsers, frontend.PermissionGroups);
        Assert.Equal(ConnectorTlsMode.ImplicitTls, config.ReceiveConnectors.Single(c => c.Name == "Client Implicit TLS").TlsMode);
        Assert.Equal("mailflow.local", config.DefaultDomain?.DomainName);
        Assert.Equal(AcceptedDomainType.Authoritative, config.DefaultDomain?.Type);
        Assert.Equal(RecipientKind.Mailbox, config.FindRecipient("Postmaster@mailflow.local")?.Kind);
        Assert.Equal(2 * 24 * 3600, config.Organization.MessageExpirationTimeoutSeconds);

        // Seeding twice (a restart) changes nothing.
        foreach (var seeder in node.Services.GetServices<IStartupSeeder>())
            await seeder.SeedAsync(CancellationToken.None);
        await using var db = await node.Get<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        Assert.Equal(3, await db.ReceiveConnectors.CountAsync());
        Assert.Equal(1, await db.ConfigurationGenerations.CountAsync());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ReceiveConnector_IsRefused_When_BindingClashesWithAnotherConnector(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<ReceiveConnectorService>();
        var clash = new ReceiveConnector { Name = "Second frontend", Bindings = [new IpBinding("0.0.0.0", 2525)] };

        var sameRanges = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.CreateAsync(Actors.Admin, clash));
        Assert.Contains("Port 2525 on 0.0.0.0 is already bound by connector 'Default Frontend'", sameRanges.Errors[nameof(ReceiveConnector.Bindings)].Single());

        clash.Bindings = [new IpBinding("127.0.0.1", 2525)];
        var overlap = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.CreateAsync(Actors.Admin, clash));
        Assert.Contains("overlaps", overlap.Errors[nameof(ReceiveConnector.Bindings)].Single());

        // Exchange's model: the same binding is fine when remote IP ranges tell the connectors apart.
        clash.Bindings = [new IpBinding("0.0.0.0", 2525)];
        clash.RemoteIpRanges = ["10.0.0.0/8"];
        var created = await service.CreateAsync(Actors.Admin, clash);
        Assert.Equal(["10.0.0.0/8"], created.RemoteIpRanges);

        var duplicateName = new ReceiveConnector { Name = "default frontend", Bindings = [new IpBinding("0.0.0.0", 3525)] };
        var named = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.CreateAsync(Actors.Admin, duplicateName));
        Assert.Contains("already a receive connector named", named.Errors[nameof(ReceiveConnector.Name)].Single());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task ReceiveConnector_CopyIsDisabledWithNewName(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<ReceiveConnectorService>();
        var source = (await service.ListAsync()).Single(c => c.Name == "Client Frontend");

        var copy = await service.CopyAsync(Actors.Admin, source.Id, "Client Frontend (copy)");

        Assert.False(copy.Enabled);
        Assert.Equal(source.Bindings, copy.Bindings);
        Assert.Equal(source.PermissionGroups, copy.PermissionGroups);
        Assert.NotEqual(source.Id, copy.Id);
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task SendConnector_StoresPasswordEncryptedAndNeverAudited(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<SendConnectorService>();
        var connector = new SendConnector
        {
            Name = "Smart host",
            AddressSpaces = [new AddressSpace("*")],
            RoutingMethod = SendRoutingMethod.SmartHost,
            SmartHosts = ["relay.contoso.test:587"],
            SmartHostAuthentication = SmartHostAuthentication.Basic,
            SmartHostUsername = "relay-user",
            TlsPolicy = OutboundTlsPolicy.RequiredWithCertificateValidation,
        };

        var missingPassword = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.CreateAsync(Actors.Admin, connector));
        Assert.True(missingPassword.Errors.ContainsKey("SmartHostPassword"));

        var created = await service.CreateAsync(Actors.Admin, connector, "S3cret-relay-pass");

        Assert.NotNull(created.SmartHostPasswordProtected);
        Assert.DoesNotContain("S3cret-relay-pass", created.SmartHostPasswordProtected);
        Assert.Equal("S3cret-relay-pass", node.Get<SmartHostPasswordProtector>().Unprotect(created));
        // Editing without a new password keeps the stored one.
        created.Port = 2587;
        var updated = await service.UpdateAsync(Actors.Admin, created);
        Assert.Equal("S3cret-relay-pass", node.Get<SmartHostPasswordProtector>().Unprotect(updated));

        await using var db = await node.Get<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        var audit = await db.AuditEntries.Where(a => a.ObjectType == nameof(SendConnector)).ToListAsync();
        Assert.Equal(2, audit.Count);
        Assert.All(audit, a => Assert.DoesNotContain("S3cret", a.After));
        Assert.All(audit, a => Assert.DoesNotContain(created.SmartHostPasswordProtected, a.After));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Recipient_AddressesAreUniqueAndInAcceptedDomains(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<RecipientService>();
        var bob = await service.CreateAsync(Actors.RecipientAdmin, new Recipient
        {
            Kind = RecipientKind.Mailbox,
            DisplayName = "Bob",
            PrimaryAddress = "Bob@MAILFLOW.local",
            ExtraAddresses = ["robert@mailflow.local"],
        });
        Assert.Equal("Bob@mailflow.local", bob.PrimaryAddress);
        Assert.Equal(Path.Combine("maildir", "bob@mailflow.local"), bob.DeliveryTarget);

        var taken = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.CreateAsync(Actors.RecipientAdmin,
            new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "ROBERT@mailflow.local" }));
        Assert.Equal(["ROBERT@mailflow.local is already used by 'Bob'."], taken.Errors[nameof(Recipient.PrimaryAddress)]);

        var foreign = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.CreateAsync(Actors.RecipientAdmin,
            new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "eve@fabrikam.test" }));
        Assert.Contains("fabrikam.test is not an accepted domain", foreign.Errors[nameof(Recipient.PrimaryAddress)].Single());

        await Assert.ThrowsAsync<ConfigurationForbiddenException>(() => service.CreateAsync(Actors.Viewer,
            new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "v@mailflow.local" }));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Recipient_DeleteRemovesGroupMembershipAndProtectsPostmaster(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<RecipientService>();
        var bob = await service.CreateAsync(Actors.Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "bob@mailflow.local" });
        var group = await service.CreateAsync(Actors.Admin, new Recipient { Kind = RecipientKind.DistributionGroup, PrimaryAddress = "all@mailflow.local", MemberIds = [bob.Id] });
        var alias = await service.CreateAsync(Actors.Admin, new Recipient { Kind = RecipientKind.Alias, PrimaryAddress = "rob@mailflow.local", ForwardToId = bob.Id });

        var aliased = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.DeleteAsync(Actors.Admin, bob.Id));
        Assert.Contains("rob@mailflow.local", aliased.Errors[nameof(Recipient.PrimaryAddress)].Single());
        await service.DeleteAsync(Actors.Admin, alias.Id);
        await service.DeleteAsync(Actors.Admin, bob.Id);

        Assert.Empty((await service.GetAsync(group.Id))!.MemberIds);
        var postmaster = (await service.ListAsync()).Single(r => r.PrimaryAddress == "postmaster@mailflow.local");
        var refused = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.DeleteAsync(Actors.Admin, postmaster.Id));
        Assert.Contains("RFC 5321", refused.Errors[nameof(Recipient.PrimaryAddress)].Single());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Recipient_SubmissionPasswordIsHashedAndVerifiable(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<RecipientService>();
        var bob = await service.CreateAsync(Actors.Admin, new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "bob@mailflow.local" });

        var shortPassword = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.SetSubmissionPasswordAsync(Actors.Admin, bob.Id, bob.Revision, "short"));
        Assert.Contains("at least 8", shortPassword.Errors["Password"].Single());
        var withPassword = await service.SetSubmissionPasswordAsync(Actors.Admin, bob.Id, bob.Revision, "correct horse battery");

        Assert.DoesNotContain("correct horse", withPassword.SubmissionPasswordHash);
        Assert.True(service.VerifySubmissionPassword(withPassword, "correct horse battery"));
        Assert.False(service.VerifySubmissionPassword(withPassword, "wrong password"));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task Rules_KeepGapFreePriorityOrder_When_CreatedMovedAndDeleted(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<TransportRuleService>();
        TransportRule Rule(string name) => new()
        {
            Name = name,
            Priority = -1,
            Definition = new RuleDefinition { Actions = [new RuleAction { Kind = "PrependSubject", Arguments = { ["Text"] = name } }] },
        };
        var a = await service.CreateAsync(Actors.Admin, Rule("A"));
        var b = await service.CreateAsync(Actors.Admin, Rule("B"));
        var c = await service.CreateAsync(Actors.Admin, Rule("C"));

        await service.MoveAsync(Actors.Admin, c.Id, 0);
        Assert.Equal(["C", "A", "B"], (await service.ListAsync()).Select(r => r.Name));
        Assert.Equal([0, 1, 2], (await service.ListAsync()).Select(r => r.Priority));

        await service.DeleteAsync(Actors.Admin, a.Id);
        Assert.Equal([("C", 0), ("B", 1)], (await service.ListAsync()).Select(r => (r.Name, r.Priority)));

        var routed = Rule("Route");
        routed.Definition.Actions = [new RuleAction { Kind = "RouteThroughConnector", Arguments = { ["Connector"] = "Nowhere" } }];
        var missing = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.CreateAsync(Actors.Admin, routed));
        Assert.Contains("no send connector named 'Nowhere'", missing.Errors["Actions"].Single());
        _ = b;
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task OrganizationSettings_RefuseDelayNotificationAfterExpiry(DatabaseProvider provider)
    {
        await using var node = await NodeAsync(provider);
        var service = node.Get<OrganizationSettingsService>();
        var settings = await service.GetAsync();
        settings.DelayNotificationTimeoutSeconds = settings.MessageExpirationTimeoutSeconds + 1;

        var refused = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.UpdateAsync(Actors.Admin, settings));
        Assert.True(refused.Errors.ContainsKey(nameof(OrganizationSettings.DelayNotificationTimeoutSeconds)));

        settings.DelayNotificationTimeoutSeconds = 3600;
        settings.OrganizationName = "Contoso";
        var saved = await service.UpdateAsync(Actors.Admin, settings);
        await node.WaitForLatestGenerationAsync();
        Assert.Equal("Contoso", node.Config.Current.Organization.OrganizationName);
        Assert.Equal(saved.Revision, node.Config.Current.Organization.Revision);
    }

    public void Dispose() => stores.Dispose();
}
