using System.Net;
using Mailflow.Data;
using Mailflow.TestSupport;

namespace Mailflow.Api.Tests;

/// <summary>The pickup directory's settings through the REST API and the CLI of the real server, on both stores.</summary>
public abstract class PickupSettingsApiTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
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

    [Fact]
    public async Task Cli_TurnsThePickupDirectoryOnWithItsLimits_AndTheApiRefusesBadValuesByField()
    {
        var before = await _admin.GetOkAsync("api/v1/organization-settings");
        Assert.False(before["pickupEnabled"]!.GetValue<bool>());
        Assert.Equal(100, before["pickupMaxFilesPerMinute"]!.GetValue<int>());

        var set = await CliRun.AsAdminAsync(_server.BaseUrl, "settings", "set", "--pickup", "true", "--pickup-path", "drop", "--pickup-max-size", "2MB", "--pickup-rate", "50");
        set.AssertSucceeded();
        var after = await _admin.GetOkAsync("api/v1/organization-settings");
        Assert.True(after["pickupEnabled"]!.GetValue<bool>());
        Assert.Equal(("drop", 2L * 1024 * 1024, 50),
            (after["pickupDirectoryPath"]!.GetValue<string>(), after["pickupMaxMessageSizeBytes"]!.GetValue<long>(), after["pickupMaxFilesPerMinute"]!.GetValue<int>()));

        var (settings, etag) = await _admin.GetWithETagAsync("api/v1/organization-settings");
        settings["pickupMaxFilesPerMinute"] = 0;
        var refused = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/organization-settings", settings, etag).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(refused, "PickupMaxFilesPerMinute", "Submit between 1 and 100,000 pickup files per minute.");

        var off = await CliRun.AsAdminAsync(_server.BaseUrl, "settings", "set", "--pickup", "false", "--pickup-path", "");
        off.AssertSucceeded();
        var reset = await _admin.GetOkAsync("api/v1/organization-settings");
        Assert.False(reset["pickupEnabled"]!.GetValue<bool>());
        Assert.Null(reset["pickupDirectoryPath"]);
    }
}

public sealed class SqlitePickupSettingsApiTests(ServerPerClass servers)
    : PickupSettingsApiTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresPickupSettingsApiTests(ServerPerClass servers, PostgresFixture postgres)
    : PickupSettingsApiTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
