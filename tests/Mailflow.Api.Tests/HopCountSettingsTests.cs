using System.Net;
using System.Text.Json.Nodes;
using Mailflow.Data;
using Mailflow.TestSupport;

namespace Mailflow.Api.Tests;

/// <summary>
/// The loop protection limits (hop count and local hop count) of receive connectors and the
/// organization through the CLI, the REST API and the configuration document of the real server:
/// saved, exported, and a local limit above the hop limit refused next to its field.
/// </summary>
public abstract class HopCountSettingsTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
{
    private ApiServer _server = default!;
    private HttpClient _admin = default!;

    public async Task InitializeAsync()
    {
        _server = await servers.GetAsync(provider, postgres);
        _admin = _server.Client();
    }

    public Task DisposeAsync()
    {
        _admin.Dispose();
        return Task.CompletedTask;
    }

    private Task<CliRun> MailflowAsync(params string[] args) => CliRun.AsAdminAsync(_server.BaseUrl, args);

    [Fact]
    public async Task Connector_hop_limits_are_set_by_the_cli_shown_by_the_api_and_exported()
    {
        var defaults = (await _admin.GetOkAsync("api/v1/receive-connectors")).AsArray().Single(c => c!["name"]!.GetValue<string>() == "Default Frontend")!;
        Assert.Equal(30, defaults["maxHopCount"]!.GetValue<int>());
        Assert.Equal(8, defaults["maxLocalHopCount"]!.GetValue<int>());

        (await MailflowAsync("receive-connector", "set", "Default Frontend", "--max-hop-count", "20", "--max-local-hop-count", "4")).AssertSucceeded();
        var connector = (await _admin.GetOkAsync("api/v1/receive-connectors")).AsArray().Single(c => c!["name"]!.GetValue<string>() == "Default Frontend")!;
        Assert.Equal(20, connector["maxHopCount"]!.GetValue<int>());
        Assert.Equal(4, connector["maxLocalHopCount"]!.GetValue<int>());

        using var export = await _admin.GetAsync("api/v1/config/export");
        var document = JsonNode.Parse(await export.Content.ReadAsStringAsync())!;
        var exported = document["receiveConnectors"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "Default Frontend")!;
        Assert.Equal(20, exported["maxHopCount"]!.GetValue<int>());
        Assert.Equal(4, exported["maxLocalHopCount"]!.GetValue<int>());

        var refused = await MailflowAsync("receive-connector", "set", "Default Frontend", "--max-local-hop-count", "21");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("MaxLocalHopCount: Allow at least 1 hop through our own servers, and no more than the hop count limit.", refused.Error);
    }

    [Fact]
    public async Task Organization_hop_limits_are_set_by_the_cli_and_refused_out_of_range_by_the_api()
    {
        (await MailflowAsync("settings", "set", "--max-hop-count", "25", "--max-local-hop-count", "5")).AssertSucceeded();
        var (settings, etag) = await _admin.GetWithETagAsync("api/v1/organization-settings");
        Assert.Equal(25, settings["maxHopCount"]!.GetValue<int>());
        Assert.Equal(5, settings["maxLocalHopCount"]!.GetValue<int>());

        settings["maxHopCount"] = 0;
        var refused = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/organization-settings", settings, etag).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("between 1 and 500", refused["errors"]!["MaxHopCount"]![0]!.GetValue<string>());
    }
}

public sealed class SqliteHopCountSettingsTests(ServerPerClass servers)
    : HopCountSettingsTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresHopCountSettingsTests(ServerPerClass servers, PostgresFixture postgres)
    : HopCountSettingsTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
