using System.Net;
using Mailflow.Data;
using Mailflow.TestSupport;

namespace Mailflow.Api.Tests;

/// <summary>Remote domains through the REST API and the CLI of the real server, on both stores.</summary>
public abstract class RemoteDomainsApiTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
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
    public async Task Api_CreateValidatesNormalizesUpdatesAndDeletes_TheDefaultStays()
    {
        var address = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/remote-domains", new { name = "Kim", domainName = "kim@fabrikam.test" })
            .ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(address, "DomainName", "kim@fabrikam.test is an address: enter its domain (fabrikam.test) or *.fabrikam.test.");
        var wrap = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/remote-domains", new { name = "Narrow", domainName = "narrow.test", lineWrapSize = 10 })
            .ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("Enter a length from 30 to 998", wrap["errors"]!["LineWrapSize"]![0]!.GetValue<string>());

        var created = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/remote-domains",
                new { name = "Fabrikam", domainName = " *.Fabrikam.TEST ", allowAutomaticForwards = false, characterSet = "Latin1" })
            .ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("*.fabrikam.test", created["domainName"]!.GetValue<string>());
        Assert.Equal("iso-8859-1", created["characterSet"]!.GetValue<string>());
        var duplicate = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/remote-domains", new { name = "Fabrikam 2", domainName = "*.fabrikam.test" })
            .ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(duplicate, "DomainName", "The remote domain 'Fabrikam' already covers *.fabrikam.test.");

        var id = created["id"]!.GetValue<string>();
        var (entry, etag) = await _admin.GetWithETagAsync($"api/v1/remote-domains/{id}");
        entry["trustedPartner"] = true;
        var saved = await _admin.SendJsonAsync(HttpMethod.Put, $"api/v1/remote-domains/{id}", entry, etag).ExpectAsync(HttpStatusCode.OK);
        Assert.True(saved["trustedPartner"]!.GetValue<bool>());
        var (_, fresh) = await _admin.GetWithETagAsync($"api/v1/remote-domains/{id}");
        await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/remote-domains/{id}", null, fresh).ExpectAsync(HttpStatusCode.NoContent);

        var all = (await _admin.GetOkAsync("api/v1/remote-domains")).AsArray();
        var fallback = Assert.Single(all, e => e!["domainName"]!.GetValue<string>() == "*")!;
        var defaultId = fallback["id"]!.GetValue<string>();
        var (_, defaultTag) = await _admin.GetWithETagAsync($"api/v1/remote-domains/{defaultId}");
        var kept = await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/remote-domains/{defaultId}", null, defaultTag).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(kept, "DomainName", "The default entry (*) always exists: change its settings instead of removing it.");
    }

    [Fact]
    public async Task Cli_AddsListsChangesAndRemoves_AndShowsTheFieldsMessage()
    {
        var added = await MailflowAsync("remote-domain", "add", "northwind.test", "--allow-auto-replies", "false", "--line-wrap", "78");
        added.AssertSucceeded();
        Assert.Contains("Added northwind.test.", added.Output);

        var list = await MailflowAsync("remote-domain", "list");
        list.AssertSucceeded();
        Assert.Contains("northwind.test", list.Output);

        (await MailflowAsync("remote-domain", "set", "northwind.test", "--line-wrap", "unlimited", "--allow-ndrs", "false")).AssertSucceeded();
        var stored = (await _admin.GetOkAsync("api/v1/remote-domains")).AsArray().Single(e => e!["domainName"]!.GetValue<string>() == "northwind.test")!;
        Assert.Null(stored["lineWrapSize"]);
        Assert.False(stored["allowNonDeliveryReports"]!.GetValue<bool>());
        Assert.False(stored["allowAutomaticReplies"]!.GetValue<bool>());

        var refused = await MailflowAsync("remote-domain", "set", "*", "--trusted-partner", "true");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("would put the whole Internet inside the organization", refused.Error);

        (await MailflowAsync("remote-domain", "remove", "northwind.test")).AssertSucceeded();
        Assert.DoesNotContain((await _admin.GetOkAsync("api/v1/remote-domains")).AsArray(), e => e!["domainName"]!.GetValue<string>() == "northwind.test");
    }
}

public sealed class SqliteRemoteDomainsApiTests(ServerPerClass servers)
    : RemoteDomainsApiTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresRemoteDomainsApiTests(ServerPerClass servers, PostgresFixture postgres)
    : RemoteDomainsApiTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
