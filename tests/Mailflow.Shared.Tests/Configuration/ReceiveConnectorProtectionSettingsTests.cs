using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;

namespace Mailflow.Shared.Tests.Configuration;

/// <summary>The receive connector's slow-client and pre-greeting settings: stored, validated, in the snapshot and in the configuration document, on both stores.</summary>
[Collection(PostgresCollection.Name)]
public sealed class ReceiveConnectorProtectionSettingsTests(PostgresFixture postgres) : IDisposable
{
    private readonly TestStores stores = new(postgres);

    public void Dispose() => stores.Dispose();

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task SlowClientAndPreGreetingSettings_AreStoredReachTheSnapshotAndRoundTripTheDocument(DatabaseProvider provider)
    {
        await using var node = await TestNode.StartAsync(await stores.CreateAsync(provider), "node-a");
        var service = node.Get<ReceiveConnectorService>();
        var frontend = (await service.ListAsync()).Single(c => c.Name == "Default Frontend");
        Assert.Equal((300, 500, 30, false, 6000),
            (frontend.CommandTimeoutSeconds, frontend.MinDataRateBytesPerSecond, frontend.DataRateGraceSeconds, frontend.PreGreetingChecks, frontend.GreetPauseMilliseconds));

        frontend.CommandTimeoutSeconds = 60;
        frontend.MinDataRateBytesPerSecond = 0;
        frontend.DataRateGraceSeconds = 10;
        frontend.PreGreetingChecks = true;
        frontend.GreetPauseMilliseconds = 2500;
        await service.UpdateAsync(Actors.Admin, frontend);
        await node.WaitForLatestGenerationAsync();

        var stored = await service.GetAsync(frontend.Id);
        var live = node.Config.Current.ReceiveConnectors.Single(c => c.Id == frontend.Id);
        foreach (var c in new[] { stored!, live })
            Assert.Equal((60, 0, 10, true, 2500), (c.CommandTimeoutSeconds, c.MinDataRateBytesPerSecond, c.DataRateGraceSeconds, c.PreGreetingChecks, c.GreetPauseMilliseconds));

        var asCode = node.Get<ConfigurationAsCodeService>();
        var document = await asCode.ExportAsync(Actors.Admin);
        var spec = document.ReceiveConnectors!.Single(s => s.Name == "Default Frontend");
        Assert.Equal((60, 0, 10, true, 2500), (spec.CommandTimeoutSeconds, spec.MinDataRateBytesPerSecond, spec.DataRateGraceSeconds, spec.PreGreetingChecks, spec.GreetPauseMilliseconds));

        spec.GreetPauseMilliseconds = 1000;
        spec.MinDataRateBytesPerSecond = 250;
        await asCode.ApplyAsync(Actors.Admin, document);
        var applied = await service.GetAsync(frontend.Id);
        Assert.Equal((1000, 250), (applied!.GreetPauseMilliseconds, applied.MinDataRateBytesPerSecond));
    }

    [Theory]
    [InlineData(DatabaseProvider.Sqlite)]
    [InlineData(DatabaseProvider.Postgres)]
    public async Task OutOfRangeValues_AreRefusedNextToTheirField(DatabaseProvider provider)
    {
        await using var node = await TestNode.StartAsync(await stores.CreateAsync(provider), "node-a");
        var service = node.Get<ReceiveConnectorService>();
        var frontend = (await service.ListAsync()).Single(c => c.Name == "Default Frontend");
        frontend.CommandTimeoutSeconds = 0;
        frontend.MinDataRateBytesPerSecond = -1;
        frontend.DataRateGraceSeconds = 0;
        frontend.GreetPauseMilliseconds = 20_000;

        var refused = await Assert.ThrowsAsync<ConfigurationValidationException>(() => service.UpdateAsync(Actors.Admin, frontend));

        Assert.Contains("command line deadline", refused.Errors[nameof(ReceiveConnector.CommandTimeoutSeconds)].Single());
        Assert.Contains("minimum data rate", refused.Errors[nameof(ReceiveConnector.MinDataRateBytesPerSecond)].Single());
        Assert.Contains("grace", refused.Errors[nameof(ReceiveConnector.DataRateGraceSeconds)].Single());
        Assert.Contains("greet pause", refused.Errors[nameof(ReceiveConnector.GreetPauseMilliseconds)].Single());
    }
}
