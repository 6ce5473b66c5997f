using System.Text.Json;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Shared.Tests.Configuration;

/// <summary>Transport agent settings in the configuration document (export, apply, round trip) on both stores.</summary>
[Collection(PostgresCollection.Name)]
public sealed class TransportAgentsDocumentTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestStores stores = new(postgres);

    /// <summary>The agents an engine would report: one protocol-safety agent and one that may be turned off.</summary>
    private sealed class Catalog : ITransportAgentCatalog
    {
        public IReadOnlyList<TransportAgentInfo> Agents { get; } =
        [
            new("Relay", "Relay", "No open relay", ["RCPT TO"], 100, CanBeDisabled: false, 5000, AgentFailurePolicy.TempFail),
            new("DnsBlockList", "DNS block lists", "Refuses listed clients", ["connect"], 210, CanBeDisabled: true, 5000, AgentFailurePolicy.FailOpen),
        ];
    }

    private Task<TestNode> StartAsync(DatabaseProvider provider) => StartAsync(stores.CreateAsync(provider));

    private static async Task<TestNode> StartAsync(Task<StoreSettings> store) =>
        await TestNode.StartAsync(await store, "node-a", services: s => s.AddSingleton<ITransportAgentCatalog, Catalog>());

    private static string Canonical(ConfigurationDocument document) => JsonSerializer.Serialize(document, ConfigurationDocument.JsonOptions);

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task AgentSettings_RoundTripThroughTheDocument_WithConnectorsByName(DatabaseProvider provider)
    {
        await using var node = await StartAsync(provider);
        var agents = node.Get<TransportAgentService>();
        var asCode = node.Get<ConfigurationAsCodeService>();
        var connectors = await node.Get<ReceiveConnectorService>().ListAsync();
        var frontend = connectors.Single(c => c.Name == "Default Frontend");
        await agents.SaveAsync(Actors.Admin, new TransportAgentSetting
        {
            AgentName = "DnsBlockList", Priority = 250, TimeoutMilliseconds = 3000, FailurePolicy = AgentFailurePolicy.TempFail, DisabledOnConnectors = [frontend.Id],
        });

        var exported = await asCode.ExportAsync(Actors.Admin);
        var spec = Assert.Single(exported.TransportAgents!);
        Assert.Equal(("DnsBlockList", true, 250, 3000, AgentFailurePolicy.TempFail), (spec.AgentName, spec.Enabled, spec.Priority, spec.TimeoutMilliseconds, spec.FailurePolicy));
        Assert.Equal(["Default Frontend"], spec.DisabledOnConnectors);

        // The exported document, read back and applied, changes nothing.
        var json = Canonical(exported);
        var reread = JsonSerializer.Deserialize<ConfigurationDocument>(json, ConfigurationDocument.JsonOptions)!;
        var same = await asCode.PlanAsync(reread);
        Assert.True(same.IsValid, string.Join(" ", same.Errors.SelectMany(e => e.Value)));
        Assert.Empty(same.Changes);

        // Into a second store: the same settings, the connector found by its name there (a different id).
        await using var other = await StartAsync(provider);
        var applied = await other.Get<ConfigurationAsCodeService>().ApplyAsync(Actors.Admin, reread);
        Assert.True(applied.Applied);
        var otherFrontend = (await other.Get<ReceiveConnectorService>().ListAsync()).Single(c => c.Name == "Default Frontend");
        var view = (await other.Get<TransportAgentService>().GetAsync("DnsBlockList"))!;
        Assert.Equal((250, 3000, AgentFailurePolicy.TempFail, true), (view.Priority, view.TimeoutMilliseconds, view.FailurePolicy, view.HasSettings));
        Assert.Equal([otherFrontend.Id], view.DisabledOnConnectors);
        Assert.Equal(json, Canonical(await other.Get<ConfigurationAsCodeService>().ExportAsync(Actors.Admin)));

        // A present section that leaves the agent out returns it to its defaults.
        reread.TransportAgents = [];
        await asCode.ApplyAsync(Actors.Admin, reread);
        Assert.False((await agents.GetAsync("DnsBlockList"))!.HasSettings);
        await using var db = await node.Get<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        Assert.Empty(await db.TransportAgentSettings.ToListAsync());
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    public async Task Apply_RefusesUnknownAgentsAndConnectors_AndTurningOffAProtocolSafetyAgent(DatabaseProvider provider)
    {
        await using var node = await StartAsync(provider);
        var asCode = node.Get<ConfigurationAsCodeService>();
        var document = new ConfigurationDocument
        {
            TransportAgents =
            [
                new TransportAgentSpec { AgentName = "relay", Enabled = false },
                new TransportAgentSpec { AgentName = "Greylisting" },
                new TransportAgentSpec { AgentName = "DnsBlockList", DisabledOnConnectors = ["No such connector"], TimeoutMilliseconds = 10 },
            ],
        };

        var error = await Assert.ThrowsAsync<ConfigurationValidationException>(() => asCode.ApplyAsync(Actors.Admin, document));

        Assert.Contains("transportAgents[0].Enabled", error.Errors.Keys);
        Assert.Contains("transportAgents[1].AgentName", error.Errors.Keys);
        Assert.Contains("transportAgents[2].DisabledOnConnectors", error.Errors.Keys);
        Assert.Contains("transportAgents[2].TimeoutMilliseconds", error.Errors.Keys);
        await using var db = await node.Get<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        Assert.Empty(await db.TransportAgentSettings.ToListAsync());
    }

    public void Dispose() => stores.Dispose();
}
