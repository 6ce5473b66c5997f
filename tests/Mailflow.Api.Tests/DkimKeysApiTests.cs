using System.Net;
using System.Text.Json.Nodes;
using Mailflow.Identity;

namespace Mailflow.Api.Tests;

/// <summary>/api/v1/dkim-keys and 'mailflow dkim-key': generate, show the TXT record, enable, delete; the private key never leaves.</summary>
public sealed class DkimKeysApiTests(DiagnosticsServer fixture) : IClassFixture<DiagnosticsServer>
{
    private readonly HttpClient admin = fixture.Server.Client();

    private async Task<string> DefaultDomainAsync() =>
        (await admin.GetOkAsync("api/v1/accepted-domains")).AsArray().Select(d => d!["domainName"]!.GetValue<string>()).First();

    [Fact]
    public async Task Generate_shows_the_txt_record_never_the_private_key_and_enable_and_delete_work()
    {
        var domain = await DefaultDomainAsync();
        var created = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/dkim-keys", new { domain, selector = "api1", algorithm = "Ed25519" }).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal($"api1._domainkey.{domain}", created["dnsRecordName"]!.GetValue<string>());
        Assert.Matches("^v=DKIM1; k=ed25519; p=[A-Za-z0-9+/]{43}=$", created["dnsRecordValue"]!.GetValue<string>());
        Assert.False(created["enabled"]!.GetValue<bool>());
        var json = created.ToJsonString();
        Assert.DoesNotContain("private", json, StringComparison.OrdinalIgnoreCase);

        var id = created["id"]!.GetValue<string>();
        var enabled = await admin.SendJsonAsync(HttpMethod.Post, $"api/v1/dkim-keys/{id}/enable").ExpectAsync(HttpStatusCode.OK);
        Assert.True(enabled["enabled"]!.GetValue<bool>());
        var listed = (await admin.GetOkAsync("api/v1/dkim-keys")).AsArray();
        Assert.Contains(listed, k => k!["id"]!.GetValue<string>() == id && k["enabled"]!.GetValue<bool>());
        Assert.DoesNotContain("protected", listed.ToJsonString(), StringComparison.OrdinalIgnoreCase);

        await admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/dkim-keys/{id}").ExpectAsync(HttpStatusCode.NoContent);
        await admin.GetAsync($"api/v1/dkim-keys/{id}").ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Invalid_requests_are_refused_next_to_the_field()
    {
        var problem = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/dkim-keys", new { domain = "gmail.com", selector = "no way" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(problem["errors"]!["Selector"] ?? problem["errors"]!["selector"]);

        var created = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/api-keys", new { name = Http.Unique("viewer-"), role = AdminRoles.ViewOnly }).ExpectAsync(HttpStatusCode.Created);
        var viewer = fixture.Server.Client(created["key"]!.GetValue<string>());
        using var refused = await viewer.SendJsonAsync(HttpMethod.Post, "api/v1/dkim-keys", new { domain = await DefaultDomainAsync(), selector = "viewer1" });
        Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
    }

    [Fact]
    public async Task Cli_generates_prints_the_record_and_enables()
    {
        var domain = await DefaultDomainAsync();
        var generated = await CliRun.AsAdminAsync(fixture.Server.BaseUrl, "dkim-key", "generate", domain, "cli1");
        generated.AssertSucceeded();
        Assert.Contains($"cli1._domainkey.{domain} TXT \"v=DKIM1; k=rsa; p=MIIBIjAN", generated.Output);

        var enabled = await CliRun.AsAdminAsync(fixture.Server.BaseUrl, "dkim-key", "enable", $"cli1._domainkey.{domain}");
        enabled.AssertSucceeded();
        var list = await CliRun.AsAdminAsync(fixture.Server.BaseUrl, "dkim-key", "list", "--json");
        list.AssertSucceeded();
        var key = JsonNode.Parse(list.Output)!.AsArray().Single(k => k!["dnsRecordName"]!.GetValue<string>() == $"cli1._domainkey.{domain}");
        Assert.True(key!["enabled"]!.GetValue<bool>());
    }
}
