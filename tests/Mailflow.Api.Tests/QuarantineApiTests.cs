using System.Net;
using Mailflow.Data;
using Mailflow.TestSupport;

namespace Mailflow.Api.Tests;

/// <summary>The quarantine endpoints and CLI on both stores: an empty quarantine, and clear 404s for a message that is not held (the held-message paths run on the wire with Rspamd in QuarantineWireTests).</summary>
public abstract class QuarantineApiTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
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
    public async Task EmptyQuarantine_ListsNothing_AndActionsOnAnUnknownMessageAre404()
    {
        Assert.Empty((await _admin.GetOkAsync("api/v1/quarantine")).AsArray());
        Assert.Contains("Nothing is held in quarantine.", (await CliRun.AsAdminAsync(_server.BaseUrl, "quarantine", "list")).Output);

        var missing = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/quarantine/NOPE/release", new { allowSender = true }).ExpectAsync(HttpStatusCode.NotFound);
        Assert.Equal("There is no quarantined message with that queue id.", missing["detail"]!.GetValue<string>());
        await _admin.SendJsonAsync(HttpMethod.Delete, "api/v1/quarantine/NOPE").ExpectAsync(HttpStatusCode.NotFound);
        await _admin.SendJsonAsync(HttpMethod.Get, "api/v1/quarantine/NOPE/export").ExpectAsync(HttpStatusCode.NotFound);
        var learn = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/quarantine/NOPE/learn", new { spam = true }).ExpectAsync(HttpStatusCode.NotFound);
        Assert.Contains("not in quarantine", learn["detail"]!.GetValue<string>());

        var cli = await CliRun.AsAdminAsync(_server.BaseUrl, "quarantine", "learn", "NOPE");
        Assert.NotEqual(0, cli.ExitCode);
        Assert.Contains("Say --spam or --not-spam.", cli.Output + cli.Error);
    }
}

public sealed class SqliteQuarantineApiTests(ServerPerClass servers)
    : QuarantineApiTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresQuarantineApiTests(ServerPerClass servers, PostgresFixture postgres)
    : QuarantineApiTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
