using System.Net;
using Mailflow.Data;
using Mailflow.TestSupport;

namespace Mailflow.Api.Tests;

/// <summary>
/// The slow-client and pre-greeting connector settings and the back pressure thresholds through the
/// CLI and the REST API of the real server: saved, shown, and bad values refused with the field's message.
/// </summary>
public abstract class ProtectionSettingsCliTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
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
    public async Task ReceiveConnectorSet_SavesSlowClientAndPreGreetingSettings_AndRefusesABadGreetPause()
    {
        var saved = await MailflowAsync("receive-connector", "set", "Client Frontend", "--command-timeout", "60", "--min-data-rate", "0",
            "--data-rate-grace", "10", "--pre-greeting-checks", "true", "--greet-pause", "2000");
        saved.AssertSucceeded();

        var connector = (await _admin.GetOkAsync("api/v1/receive-connectors")).AsArray().Single(c => c!["name"]!.GetValue<string>() == "Client Frontend")!;
        Assert.Equal(60, connector["commandTimeoutSeconds"]!.GetValue<int>());
        Assert.Equal(0, connector["minDataRateBytesPerSecond"]!.GetValue<int>());
        Assert.Equal(10, connector["dataRateGraceSeconds"]!.GetValue<int>());
        Assert.True(connector["preGreetingChecks"]!.GetValue<bool>());
        Assert.Equal(2000, connector["greetPauseMilliseconds"]!.GetValue<int>());

        var refused = await MailflowAsync("receive-connector", "set", "Client Frontend", "--greet-pause", "20000");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("The greet pause must be between 0 and 10 seconds.", refused.Error);
    }

    [Fact]
    public async Task BackPressureThresholds_AreOrganizationSettings_InTheCliAndTheApi()
    {
        var saved = await MailflowAsync("settings", "set", "--set", "BackPressureSubmissionMedium=40000", "--set", "BackPressureSubmissionHigh=50000",
            "--set", "BackPressureHysteresisPercent=20");
        saved.AssertSucceeded();

        var (settings, etag) = await _admin.GetWithETagAsync("api/v1/organization-settings");
        Assert.Equal(40000, settings["backPressureSubmissionMedium"]!.GetValue<int>());
        Assert.Equal(50000, settings["backPressureSubmissionHigh"]!.GetValue<int>());
        Assert.Equal(20, settings["backPressureHysteresisPercent"]!.GetValue<int>());
        Assert.True(settings["backPressureEnabled"]!.GetValue<bool>());

        settings["backPressureDiskFreeMediumMegabytes"] = 100;
        settings["backPressureDiskFreeHighMegabytes"] = 500;
        var refused = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/organization-settings", settings, etag).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("at least the high threshold", refused["errors"]!["BackPressureDiskFreeMediumMegabytes"]![0]!.GetValue<string>());
    }
}

public sealed class SqliteProtectionSettingsCliTests(ServerPerClass servers)
    : ProtectionSettingsCliTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresProtectionSettingsCliTests(ServerPerClass servers, PostgresFixture postgres)
    : ProtectionSettingsCliTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
