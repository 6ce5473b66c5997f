using System.Net;
using System.Text.Json.Nodes;
using Mailflow.Identity;

namespace Mailflow.Api.Tests;

/// <summary>/api/v1/dkim-keys and 'mailflow dkim-key': generate, import, show the TXT record, check DNS, rotate, schedule, enable, delete; the private key never leaves.</summary>
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

    private static string Ed25519Pem()
    {
        var generator = new Org.BouncyCastle.Crypto.Generators.Ed25519KeyPairGenerator();
        generator.Init(new Org.BouncyCastle.Crypto.Parameters.Ed25519KeyGenerationParameters(new Org.BouncyCastle.Security.SecureRandom()));
        var pkcs8 = Org.BouncyCastle.Pkcs.PrivateKeyInfoFactory.CreatePrivateKeyInfo(generator.GenerateKeyPair().Private).GetEncoded();
        return "-----BEGIN PRIVATE KEY-----\n" + Convert.ToBase64String(pkcs8) + "\n-----END PRIVATE KEY-----\n";
    }

    [Fact]
    public async Task Import_check_dns_rotate_and_schedule()
    {
        var domain = await DefaultDomainAsync();
        var pem = Ed25519Pem();
        var imported = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/dkim-keys/import", new { domain, selector = "imp1", privateKeyPem = pem, enabled = true }).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal("Ed25519", imported["algorithm"]!.GetValue<string>());
        Assert.Equal("Active", imported["lifecycle"]!.GetValue<string>());
        Assert.DoesNotContain("PRIVATE", imported.ToJsonString());
        var id = imported["id"]!.GetValue<string>();
        var bad = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/dkim-keys/import", new { domain, selector = "imp2", privateKeyPem = "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(bad["errors"]!["PrivateKeyPem"]);

        // DNS: missing, then a different key, then ours.
        var missing = await admin.SendJsonAsync(HttpMethod.Post, $"api/v1/dkim-keys/{id}/check-dns").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Missing", missing["status"]!.GetValue<string>());
        Assert.Contains($"Publish imp1._domainkey.{domain} TXT \"{imported["dnsRecordValue"]!.GetValue<string>()}\"", missing["explanation"]!.GetValue<string>());
        fixture.Zone.Txt($"imp1._domainkey.{domain}", "v=DKIM1; k=ed25519; p=11qYAYKxCrfVS/7TyWQHOg7hcvPapiMlrwIaaPcHURo=", ttl: 0);
        Assert.Equal("Mismatch", (await admin.SendJsonAsync(HttpMethod.Post, $"api/v1/dkim-keys/{id}/check-dns").ExpectAsync(HttpStatusCode.OK))["status"]!.GetValue<string>());
        fixture.Zone.Remove($"imp1._domainkey.{domain}").Txt($"imp1._domainkey.{domain}", imported["dnsRecordValue"]!.GetValue<string>(), ttl: 0);
        Assert.Equal("Published", (await admin.SendJsonAsync(HttpMethod.Post, $"api/v1/dkim-keys/{id}/check-dns").ExpectAsync(HttpStatusCode.OK))["status"]!.GetValue<string>());

        var scheduled = await admin.SendJsonAsync(HttpMethod.Put, $"api/v1/dkim-keys/{id}/schedule", new { rotateEveryDays = 90 }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(90, scheduled["rotateEveryDays"]!.GetValue<int>());
        var tooOften = await admin.SendJsonAsync(HttpMethod.Put, $"api/v1/dkim-keys/{id}/schedule", new { rotateEveryDays = 2 }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(tooOften["errors"]!["RotateEveryDays"]);

        var rotated = (await admin.SendJsonAsync(HttpMethod.Post, "api/v1/dkim-keys/rotate", new { domain }).ExpectAsync(HttpStatusCode.OK)).AsArray();
        var successor = Assert.Single(rotated, k => k!["replacesKeyId"]?.GetValue<string>() == id)!;
        Assert.Equal("Pending", successor["lifecycle"]!.GetValue<string>());
        Assert.Equal(90, successor["rotateEveryDays"]!.GetValue<int>());
        // The old key cannot be retired while it signs.
        await admin.SendJsonAsync(HttpMethod.Post, $"api/v1/dkim-keys/{id}/retire").ExpectAsync(HttpStatusCode.UnprocessableEntity);
        var none = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/dkim-keys/rotate", new { domain = "nothing.example" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(none["errors"]!["Domain"]);
    }

    [Fact]
    public async Task Cli_imports_a_pem_file_checks_dns_and_schedules()
    {
        var domain = await DefaultDomainAsync();
        var file = Path.GetTempFileName();
        try
        {
            await File.WriteAllTextAsync(file, Ed25519Pem());
            var imported = await CliRun.AsAdminAsync(fixture.Server.BaseUrl, "dkim-key", "import", domain, "cliimp", file);
            imported.AssertSucceeded();
            Assert.Contains($"cliimp._domainkey.{domain} TXT \"v=DKIM1; k=ed25519; p=", imported.Output);
        }
        finally
        {
            File.Delete(file);
        }
        var check = await CliRun.AsAdminAsync(fixture.Server.BaseUrl, "dkim-key", "check-dns", $"cliimp._domainkey.{domain}");
        check.AssertSucceeded();
        Assert.Contains("Missing: DNS has no TXT record", check.Output);
        var schedule = await CliRun.AsAdminAsync(fixture.Server.BaseUrl, "dkim-key", "schedule", $"cliimp._domainkey.{domain}", "60");
        schedule.AssertSucceeded();
        Assert.Contains("rotates every 60 days", schedule.Output);
    }

    [Fact]
    public async Task Configuration_document_references_keys_without_private_keys_and_apply_changes_only_signing_settings()
    {
        var domain = await DefaultDomainAsync();
        var created = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/dkim-keys", new { domain, selector = "doc1", algorithm = "Ed25519", enabled = true }).ExpectAsync(HttpStatusCode.Created);
        using var response = await admin.GetAsync("api/v1/config/export?includeSecrets=true");
        var exported = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.DoesNotContain("protected", exported.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        var spec = exported["dkimKeys"]!.AsArray().Single(k => k!["selector"]!.GetValue<string>() == "doc1")!;
        Assert.Equal(created["dnsRecordValue"]!.GetValue<string>(), $"v=DKIM1; k=ed25519; p={spec["publicKey"]!.GetValue<string>()}");
        Assert.Equal(2, spec.AsObject().Count(p => p.Key is "enabled" or "publicKey"));

        // Apply: stop signing and schedule rotation.
        spec["enabled"] = false;
        spec["rotateEveryDays"] = 30;
        var applied = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/config/apply", exported).ExpectAsync(HttpStatusCode.OK);
        Assert.True(applied["applied"]!.GetValue<bool>());
        var stored = await admin.GetOkAsync($"api/v1/dkim-keys/{created["id"]}");
        Assert.False(stored["enabled"]!.GetValue<bool>());
        Assert.Equal(30, stored["rotateEveryDays"]!.GetValue<int>());

        // A key the server does not hold, or another key under a stored selector, is refused.
        exported["dkimKeys"]!.AsArray().Add(new JsonObject { ["domain"] = domain, ["selector"] = "elsewhere", ["enabled"] = true });
        spec["publicKey"] = "AAAA";
        var refused = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/config/apply", exported).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        var errors = refused["errors"]!.AsObject();
        Assert.Contains("private keys are never in a document", errors[$"dkimKeys[{exported["dkimKeys"]!.AsArray().Count - 1}]"]![0]!.GetValue<string>());
        Assert.Contains(errors, e => e.Key.EndsWith("].PublicKey", StringComparison.Ordinal));
    }
}
