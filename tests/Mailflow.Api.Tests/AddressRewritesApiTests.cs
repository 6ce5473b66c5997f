using System.Net;
using Mailflow.Data;
using Mailflow.TestSupport;

namespace Mailflow.Api.Tests;

/// <summary>Address rewriting entries through the REST API and the CLI of the real server, on both stores.</summary>
public abstract class AddressRewritesApiTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
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
    public async Task Api_CreateValidatesNormalizesUpdatesAndDeletes()
    {
        var wildcard = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/address-rewrites", new { name = "All subdomains", internalAddress = "*.fabrikam.test", externalAddress = "fabrikam.test" })
            .ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(wildcard, "OutboundOnly", "*.fabrikam.test covers every subdomain, so mail to the external domain cannot be rewritten back: tick 'outbound only'.");
        var mismatch = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/address-rewrites", new { name = "Kim", internalAddress = "kim@corp.fabrikam.test", externalAddress = "fabrikam.test" })
            .ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("rewrite it to one address", mismatch["errors"]!["ExternalAddress"]![0]!.GetValue<string>());

        var created = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/address-rewrites",
                new { name = "Fabrikam", internalAddress = " Corp.Fabrikam.TEST ", externalAddress = "fabrikam.test", exceptionList = new[] { "Boss@corp.fabrikam.test" } })
            .ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("corp.fabrikam.test", created["internalAddress"]!.GetValue<string>());
        Assert.Equal("Boss@corp.fabrikam.test".ToLowerInvariant(), created["exceptionList"]![0]!.GetValue<string>());
        var duplicate = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/address-rewrites", new { name = "Fabrikam again", internalAddress = "corp.fabrikam.test", externalAddress = "fabrikam.example" })
            .ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(duplicate, "InternalAddress", "The entry 'Fabrikam' already rewrites corp.fabrikam.test.");

        var id = created["id"]!.GetValue<string>();
        var (entry, etag) = await _admin.GetWithETagAsync($"api/v1/address-rewrites/{id}");
        entry["outboundOnly"] = true;
        var saved = await _admin.SendJsonAsync(HttpMethod.Put, $"api/v1/address-rewrites/{id}", entry, etag).ExpectAsync(HttpStatusCode.OK);
        Assert.True(saved["outboundOnly"]!.GetValue<bool>());
        await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/address-rewrites/{id}", null, etag).ExpectAsync(HttpStatusCode.PreconditionFailed);
        var (_, fresh) = await _admin.GetWithETagAsync($"api/v1/address-rewrites/{id}");
        await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/address-rewrites/{id}", null, fresh).ExpectAsync(HttpStatusCode.NoContent);
        Assert.DoesNotContain((await _admin.GetOkAsync("api/v1/address-rewrites")).AsArray(), e => e!["id"]!.GetValue<string>() == id);
    }

    [Fact]
    public async Task Cli_AddsListsChangesAndRemoves_AndShowsTheFieldsMessage()
    {
        var added = await MailflowAsync("address-rewrite", "add", "Northwind", "--internal", "corp.northwind.test", "--external", "northwind.test", "--exceptions", "ceo@corp.northwind.test");
        added.AssertSucceeded();
        Assert.Contains("Added Northwind: corp.northwind.test → northwind.test.", added.Output);

        var list = await MailflowAsync("address-rewrite", "list");
        list.AssertSucceeded();
        Assert.Contains("ceo@corp.northwind.test", list.Output);

        (await MailflowAsync("address-rewrite", "set", "Northwind", "--enabled", "false")).AssertSucceeded();
        var stored = (await _admin.GetOkAsync("api/v1/address-rewrites")).AsArray().Single(e => e!["name"]!.GetValue<string>() == "Northwind")!;
        Assert.False(stored["enabled"]!.GetValue<bool>());

        var refused = await MailflowAsync("address-rewrite", "add", "Bad", "--internal", "corp.northwind.test.example", "--external", "x@northwind.test");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("corp.northwind.test.example is a domain: rewrite it to one domain", refused.Error);

        (await MailflowAsync("address-rewrite", "remove", "Northwind")).AssertSucceeded();
        Assert.DoesNotContain((await _admin.GetOkAsync("api/v1/address-rewrites")).AsArray(), e => e!["name"]!.GetValue<string>() == "Northwind");
    }
}

public sealed class SqliteAddressRewritesApiTests(ServerPerClass servers)
    : AddressRewritesApiTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresAddressRewritesApiTests(ServerPerClass servers, PostgresFixture postgres)
    : AddressRewritesApiTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
