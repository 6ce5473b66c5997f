using System.Net;
using System.Text.Json.Nodes;
using Mailflow.Data;
using Mailflow.TestSupport;

namespace Mailflow.Api.Tests;

/// <summary>The connection filter's IP lists and the protection settings through the REST API, the CLI and the configuration document.</summary>
public abstract class ProtectionApiTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
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
    public async Task IpList_CreateValidatesNormalizesUpdatesAndDeletes()
    {
        var bad = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/ip-lists", new { list = "Block", range = "10.0.0.0/33" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(bad, "Range", "10.0.0.0/33 is not a valid CIDR range: write an address, a slash and a prefix length up to 32 (IPv4) or 128 (IPv6).");
        var past = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/ip-lists", new { list = "Block", range = "192.0.2.1", expiresAt = "2001-01-01T00:00:00Z" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(past, "ExpiresAt", "The expiry is in the past: choose a later time, or none.");

        var created = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/ip-lists", new { list = "Block", range = " 2001:DB8:0bad::7/48 ", comment = "abuse" }).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("2001:db8:bad::/48", created["range"]!.GetValue<string>());
        var duplicate = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/ip-lists", new { list = "Block", range = "2001:db8:bad::/48" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(duplicate, "Range", "2001:db8:bad::/48 is already on the block list.");
        // The same range may be on the other list (the allow list wins).
        await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/ip-lists", new { list = "Allow", range = "2001:db8:bad::/48" }).ExpectAsync(HttpStatusCode.Created);

        var id = created["id"]!.GetValue<string>();
        var (entry, etag) = await _admin.GetWithETagAsync($"api/v1/ip-lists/{id}");
        entry["comment"] = "abuse report 7";
        var saved = await _admin.SendJsonAsync(HttpMethod.Put, $"api/v1/ip-lists/{id}", entry, etag).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("abuse report 7", saved["comment"]!.GetValue<string>());
        await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/ip-lists/{id}", null, etag).ExpectAsync(HttpStatusCode.PreconditionFailed);
        var (_, fresh) = await _admin.GetWithETagAsync($"api/v1/ip-lists/{id}");
        await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/ip-lists/{id}", null, fresh).ExpectAsync(HttpStatusCode.NoContent);
        Assert.DoesNotContain((await _admin.GetOkAsync("api/v1/ip-lists")).AsArray(), e => e!["id"]!.GetValue<string>() == id);
    }

    [Fact]
    public async Task ProtectionSettings_PutValidatesEveryFieldAndSaves()
    {
        var (settings, etag) = await _admin.GetWithETagAsync("api/v1/protection-settings");
        Assert.Equal("Recipient", settings["connectionFilter"]!["checkAt"]!.GetValue<string>());
        settings["connectionFilter"]!["zones"] = new JsonArray(new JsonObject { ["zone"] = "not a zone", ["weight"] = 1, ["returnCodes"] = new JsonArray("127.0.0.2", "banana") });
        settings["antiSpam"]!["rspamdUrl"] = "ftp://rspamd";
        settings["antiMalware"]!["clamdAddress"] = "clamd.sock";
        settings["antiSpam"]!["subjectPrefix"] = "  ";
        settings["antiSpam"]!["prependSubjectScore"] = 5000;
        var problem = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/protection-settings", settings, etag).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(problem, "ConnectionFilter.Zones[0].ReturnCodes", "banana is not an IPv4 address (127.0.0.2) or range (127.0.0.4-127.0.0.7).");
        Http.AssertFieldError(problem, "AntiSpam.RspamdUrl", "Enter Rspamd's address as an http:// or https:// URL, e.g. http://127.0.0.1:11333.");
        Http.AssertFieldError(problem, "AntiMalware.ClamdAddress", "Write unix:/run/clamav/clamd.ctl or tcp:127.0.0.1:3310.");
        Assert.NotNull(problem["errors"]!["ConnectionFilter.Zones[0].Zone"]);
        Http.AssertFieldError(problem, "AntiSpam.SubjectPrefix", "Enter a subject prefix of 1 to 64 characters on one line.");
        Http.AssertFieldError(problem, "AntiSpam.PrependSubjectScore", "Enter a score between -1000 and 1000, or leave it empty.");
        settings["antiSpam"]!["subjectPrefix"] = "[Probably spam]";
        settings["antiSpam"]!["prependSubjectScore"] = 8;

        settings["connectionFilter"]!["zones"] = new JsonArray(new JsonObject { ["zone"] = "BL.Example.", ["weight"] = 2, ["returnCodes"] = new JsonArray("127.0.0.2") });
        settings["connectionFilter"]!["checkAt"] = "Connect";
        settings["antiSpam"]!["rspamdUrl"] = "http://127.0.0.1:11333";
        settings["antiMalware"]!["clamdAddress"] = "tcp:127.0.0.1:3310";
        var saved = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/protection-settings", settings, etag).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("bl.example", saved["connectionFilter"]!["zones"]![0]!["zone"]!.GetValue<string>());
        Assert.Equal("Connect", saved["connectionFilter"]!["checkAt"]!.GetValue<string>());
        Assert.Equal("[Probably spam]", saved["antiSpam"]!["subjectPrefix"]!.GetValue<string>());
        Assert.Equal(8, saved["antiSpam"]!["prependSubjectScore"]!.GetValue<double>());
        await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/protection-settings", settings, etag).ExpectAsync(HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task Cli_IpListDnsblAndProtection_ThroughTheTool()
    {
        (await CliRun.AsAdminAsync(_server.BaseUrl, "ip-list", "add", "198.51.100.0/24", "--comment", "spam run", "--expires", "7d")).AssertSucceeded();
        (await CliRun.AsAdminAsync(_server.BaseUrl, "ip-list", "add", "198.51.100.25", "--allow", "--comment", "partner relay")).AssertSucceeded();
        var list = await CliRun.AsAdminAsync(_server.BaseUrl, "ip-list", "list");
        list.AssertSucceeded();
        Assert.Matches(@"Block\s+198\.51\.100\.0/24\s+\S+", list.Output);
        Assert.Matches(@"Allow\s+198\.51\.100\.25\s", list.Output);

        var bad = await CliRun.AsAdminAsync(_server.BaseUrl, "ip-list", "add", "198.51.100.1-198.51.100.9");
        Assert.Equal(1, bad.ExitCode);
        Assert.Contains("CIDR range", bad.Error);

        (await CliRun.AsAdminAsync(_server.BaseUrl, "dnsbl", "add", "zen.example", "--weight", "2", "--return-codes", "127.0.0.2,127.0.0.4-127.0.0.7")).AssertSucceeded();
        var zones = await CliRun.AsAdminAsync(_server.BaseUrl, "dnsbl", "list");
        Assert.Matches(@"zen\.example\s+yes\s+2\s+127\.0\.0\.2, 127\.0\.0\.4-127\.0\.0\.7", zones.Output);

        (await CliRun.AsAdminAsync(_server.BaseUrl, "protection", "set", "--set", "ConnectionFilter.Threshold=2", "--set", "AntiSpam.Enabled=true",
            "--set", "AntiSpam.PrependSubjectScore=7", "--set", "AntiSpam.SubjectPrefix=*SPAM*")).AssertSucceeded();
        var settings = await _admin.GetOkAsync("api/v1/protection-settings");
        Assert.Equal(2, settings["connectionFilter"]!["threshold"]!.GetValue<int>());
        Assert.True(settings["antiSpam"]!["enabled"]!.GetValue<bool>());
        Assert.Equal(7, settings["antiSpam"]!["prependSubjectScore"]!.GetValue<double>());
        Assert.Equal("*SPAM*", settings["antiSpam"]!["subjectPrefix"]!.GetValue<string>());
        var wrong = await CliRun.AsAdminAsync(_server.BaseUrl, "protection", "set", "--set", "Threshold=2");
        Assert.Equal(1, wrong.ExitCode);

        (await CliRun.AsAdminAsync(_server.BaseUrl, "ip-list", "remove", "198.51.100.25")).AssertSucceeded();
        (await CliRun.AsAdminAsync(_server.BaseUrl, "dnsbl", "remove", "zen.example")).AssertSucceeded();
        Assert.DoesNotContain("198.51.100.25", (await CliRun.AsAdminAsync(_server.BaseUrl, "ip-list", "list")).Output);
        Assert.DoesNotContain("zen.example", (await CliRun.AsAdminAsync(_server.BaseUrl, "dnsbl", "list")).Output);
    }

    [Fact]
    public async Task ConfigurationDocument_ExportsAndAppliesTheProtectionSections()
    {
        await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/ip-lists", new { list = "Allow", range = "203.0.113.77", comment = "from the document test" }).ExpectAsync(HttpStatusCode.Created);
        var document = (await _admin.GetOkAsync("api/v1/config/export")).AsObject();
        Assert.Contains(document["ipLists"]!.AsArray(), e => e!["range"]!.GetValue<string>() == "203.0.113.77" && e["list"]!.GetValue<string>() == "Allow");
        Assert.NotNull(document["protection"]!["antiSpam"]);

        // The section is the whole truth: drop that entry, add another, change a setting.
        var entries = document["ipLists"]!.AsArray();
        entries.Remove(entries.First(e => e!["range"]!.GetValue<string>() == "203.0.113.77"));
        entries.Add(new JsonObject { ["list"] = "Block", ["range"] = "203.0.113.0/28", ["comment"] = "applied" });
        document["protection"]!["antiMalware"]!["onInfected"] = "Quarantine";
        await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/config/apply", document).ExpectAsync(HttpStatusCode.OK);

        var after = (await _admin.GetOkAsync("api/v1/ip-lists")).AsArray();
        Assert.DoesNotContain(after, e => e!["range"]!.GetValue<string>() == "203.0.113.77");
        Assert.Contains(after, e => e!["range"]!.GetValue<string>() == "203.0.113.0/28" && e["comment"]!.GetValue<string>() == "applied");
        Assert.Equal("Quarantine", (await _admin.GetOkAsync("api/v1/protection-settings"))["antiMalware"]!["onInfected"]!.GetValue<string>());

        document["ipLists"]!.AsArray().Add(new JsonObject { ["list"] = "Block", ["range"] = "not-an-ip" });
        var refused = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/config/apply", document).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains(refused["errors"]!.AsObject(), p => p.Key.StartsWith("ipLists[", StringComparison.Ordinal));
    }
}

public sealed class SqliteProtectionApiTests(ServerPerClass servers)
    : ProtectionApiTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresProtectionApiTests(ServerPerClass servers, PostgresFixture postgres)
    : ProtectionApiTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
