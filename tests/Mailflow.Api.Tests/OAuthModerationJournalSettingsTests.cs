using System.Net;
using System.Text.Json.Nodes;
using Mailflow.Data;
using Mailflow.TestSupport;

namespace Mailflow.Api.Tests;

/// <summary>
/// OAuth submission, the moderation reply address and the organization's journal NDR address through the
/// CLI, the REST API and the configuration document of the real server: set by the CLI, shown by the API,
/// exported, a connector's OAuth checkbox set by the CLI, and bad values refused next to their fields.
/// </summary>
public abstract class OAuthModerationJournalSettingsTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
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
    public async Task Settings_are_set_by_the_cli_shown_by_the_api_and_exported()
    {
        var (before, _) = await _admin.GetWithETagAsync("api/v1/organization-settings");
        Assert.Equal("", before["oAuthIssuer"]!.GetValue<string>());
        Assert.Equal("email", before["oAuthAddressClaim"]!.GetValue<string>());
        Assert.Equal(300, before["oAuthClockSkewSeconds"]!.GetValue<int>());

        (await MailflowAsync("settings", "set", "--oauth-issuer", "https://login.contoso.test/tenant/v2.0", "--oauth-audience", "api://mailflow",
            "--oauth-address-claim", "upn", "--oauth-clock-skew", "60", "--journal-report-ndr-to", "journal-ndr@contoso.test",
            "--moderation-reply-address", "moderation@contoso.test")).AssertSucceeded();
        (await MailflowAsync("receive-connector", "set", "Client Frontend", "--auth-mechanisms", "Tls, BasicAuth, BasicAuthRequireTls, OAuth")).AssertSucceeded();

        var (settings, _) = await _admin.GetWithETagAsync("api/v1/organization-settings");
        Assert.Equal("https://login.contoso.test/tenant/v2.0", settings["oAuthIssuer"]!.GetValue<string>());
        Assert.Equal("api://mailflow", settings["oAuthAudience"]!.GetValue<string>());
        Assert.Equal("upn", settings["oAuthAddressClaim"]!.GetValue<string>());
        Assert.Equal(60, settings["oAuthClockSkewSeconds"]!.GetValue<int>());
        Assert.Equal("journal-ndr@contoso.test", settings["journalingReportNdrTo"]!.GetValue<string>());
        Assert.Equal("moderation@contoso.test", settings["moderationReplyAddress"]!.GetValue<string>());
        var connector = (await _admin.GetOkAsync("api/v1/receive-connectors")).AsArray().Single(c => c!["name"]!.GetValue<string>() == "Client Frontend")!;
        Assert.Contains("OAuth", connector["authMechanisms"]!.ToJsonString());

        using var export = await _admin.GetAsync("api/v1/config/export");
        var document = JsonNode.Parse(await export.Content.ReadAsStringAsync())!;
        Assert.Equal("https://login.contoso.test/tenant/v2.0", document["organizationSettings"]!["oAuthIssuer"]!.GetValue<string>());
        Assert.Equal("journal-ndr@contoso.test", document["organizationSettings"]!["journalingReportNdrTo"]!.GetValue<string>());
        Assert.Equal("moderation@contoso.test", document["organizationSettings"]!["moderationReplyAddress"]!.GetValue<string>());
        var exportedConnector = document["receiveConnectors"]!.AsArray().Single(c => c!["name"]!.GetValue<string>() == "Client Frontend")!;
        Assert.Contains("OAuth", exportedConnector["authMechanisms"]!.ToJsonString());
    }

    [Fact]
    public async Task Bad_values_are_refused_next_to_their_fields()
    {
        var (settings, etag) = await _admin.GetWithETagAsync("api/v1/organization-settings");
        settings["oAuthIssuer"] = "http://login.contoso.test";
        settings["oAuthAddressClaim"] = "sub";
        settings["journalingReportNdrTo"] = "not an address";
        var refused = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/organization-settings", settings, etag).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("https URL", refused["errors"]!["OAuthIssuer"]![0]!.GetValue<string>());
        Assert.Contains("preferred_username", refused["errors"]!["OAuthAddressClaim"]![0]!.GetValue<string>());
        Assert.Contains("not an email address", refused["errors"]!["JournalingReportNdrTo"]![0]!.GetValue<string>());

        var noTls = await MailflowAsync("receive-connector", "set", "Default Frontend", "--tls-mode", "None", "--auth-mechanisms", "OAuth");
        Assert.Equal(1, noTls.ExitCode);
        Assert.Contains("OAuth is only offered over TLS", noTls.Error);
    }
}

public sealed class SqliteOAuthModerationJournalSettingsTests(ServerPerClass servers)
    : OAuthModerationJournalSettingsTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresOAuthModerationJournalSettingsTests(ServerPerClass servers, PostgresFixture postgres)
    : OAuthModerationJournalSettingsTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
