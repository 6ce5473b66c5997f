using System.Net;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Api.Tests;

/// <summary>
/// Mailbox quotas through the REST API, the <c>mailflow</c> tool and the configuration document, on
/// both stores: a mailbox's own quota, the organization's default and warning threshold, the
/// measured usage in the recipient resource, and bad values refused next to the field.
/// </summary>
public abstract class MailboxQuotaApiTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
{
    private const long Megabyte = 1024 * 1024;
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

    private async Task<System.Text.Json.Nodes.JsonNode> RecipientAsync(string address)
    {
        var id = (await _server.Services.GetRequiredService<RecipientService>().ListAsync()).Single(r => r.PrimaryAddress == address).Id;
        return await _admin.GetOkAsync($"api/v1/recipients/{id}");
    }

    [Fact]
    public async Task Quota_set_with_the_tool_shows_in_the_API_with_the_usage_and_in_the_configuration_document()
    {
        var address = Http.Unique("quota") + "@mailflow.local";
        (await MailflowAsync("recipient", "add", address, "--display-name", "Quota User", "--quota", "2MB")).AssertSucceeded();

        var recipient = await RecipientAsync(address);
        Assert.Equal(2 * Megabyte, recipient["quotaBytes"]!.GetValue<long>());
        var usage = recipient["usage"]!;
        Assert.Equal(0, usage["usedBytes"]!.GetValue<long>());
        Assert.Equal(2 * Megabyte, usage["limitBytes"]!.GetValue<long>());
        Assert.False(usage["full"]!.GetValue<bool>());
        Assert.Equal("0 bytes of 2 MB (0 %)", usage["text"]!.GetValue<string>());

        var list = await MailflowAsync("recipient", "list");
        list.AssertSucceeded();
        Assert.Contains("0 bytes of 2 MB (0 %)", list.Output.Split('\n').Single(l => l.StartsWith(address, StringComparison.Ordinal)), StringComparison.Ordinal);

        var document = await _admin.GetOkAsync("api/v1/config/export");
        var spec = document["recipients"]!.AsArray().Single(r => r!["primaryAddress"]!.GetValue<string>() == address)!;
        Assert.Equal(2 * Megabyte, spec["quotaBytes"]!.GetValue<long>());

        // Back to the organization's default, which the tool sets too.
        (await MailflowAsync("recipient", "set", address, "--quota", "default")).AssertSucceeded();
        (await MailflowAsync("settings", "set", "--default-mailbox-quota", "5MB", "--mailbox-quota-warning", "80")).AssertSucceeded();
        var settings = await _admin.GetOkAsync("api/v1/organization-settings");
        Assert.Equal(5 * Megabyte, settings["defaultMailboxQuotaBytes"]!.GetValue<long>());
        Assert.Equal(80, settings["mailboxQuotaWarningPercent"]!.GetValue<int>());
        // The usage reads the organization's default from the live configuration, refreshed within moments.
        var deadline = DateTime.UtcNow.AddSeconds(15);
        do
        {
            recipient = await RecipientAsync(address);
            if (recipient["usage"]?["limitBytes"]?.GetValue<long>() == 5 * Megabyte)
                break;
            await Task.Delay(100);
        }
        while (DateTime.UtcNow < deadline);
        Assert.Null(recipient["quotaBytes"]);
        Assert.Equal(5 * Megabyte, recipient["usage"]!["limitBytes"]!.GetValue<long>());
        Assert.Equal(5 * Megabyte, (await _admin.GetOkAsync("api/v1/config/export"))["organizationSettings"]!["defaultMailboxQuotaBytes"]!.GetValue<long>());

        (await MailflowAsync("settings", "set", "--default-mailbox-quota", "0", "--mailbox-quota-warning", "90")).AssertSucceeded();
    }

    [Fact]
    public async Task A_quota_under_1_MB_is_refused_next_to_the_field()
    {
        var response = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/recipients", new
        {
            kind = "Mailbox", primaryAddress = Http.Unique("tiny") + "@mailflow.local", displayName = "Tiny", quotaBytes = 1000,
        });
        var problem = await Task.FromResult(response).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("between 1 MB and 16 TB", problem["errors"]!["QuotaBytes"]![0]!.GetValue<string>(), StringComparison.Ordinal);

        var (settings, etag) = await _admin.GetWithETagAsync("api/v1/organization-settings");
        settings["mailboxQuotaWarningPercent"] = 120;
        var refused = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/organization-settings", settings, etag);
        var settingsProblem = await Task.FromResult(refused).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(settingsProblem["errors"]!["MailboxQuotaWarningPercent"]);
    }
}

public sealed class SqliteMailboxQuotaApiTests(ServerPerClass servers)
    : MailboxQuotaApiTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresMailboxQuotaApiTests(ServerPerClass servers, PostgresFixture postgres)
    : MailboxQuotaApiTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
