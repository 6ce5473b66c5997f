using System.Net;
using System.Text.Json.Nodes;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Api.Tests;

/// <summary>
/// Configuration as code through /api/v1/config on fresh servers: export → apply on an empty store
/// reproduces the configuration; an invalid document or a dry run changes nothing (same generation,
/// same export); one apply is one audit entry and one generation; Mailflow:ConfigFile provisions a
/// node at start-up.
/// </summary>
public abstract class ConfigurationAsCodeTests(DatabaseProvider provider, PostgresFixture? postgres)
{
    private Task<ApiServer> StartAsync(IReadOnlyDictionary<string, string?>? settings = null) => ApiServer.StartAsync(provider, postgres, settings);

    private static async Task<string> ExportAsync(HttpClient client, bool includeSecrets = false)
    {
        using var response = await client.GetAsync($"api/v1/config/export?includeSecrets={includeSecrets.ToString().ToLowerInvariant()}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    /// <summary>A configuration with every kind of object and every kind of reference, built through the API.</summary>
    private static async Task BuildRichConfigurationAsync(HttpClient admin)
    {
        await admin.SendJsonAsync(HttpMethod.Post, "api/v1/accepted-domains", new { domainName = "contoso.test", type = "Authoritative", isDefault = true }).ExpectAsync(HttpStatusCode.Created);
        await admin.SendJsonAsync(HttpMethod.Post, "api/v1/accepted-domains", new { domainName = "relay.contoso.test", type = "InternalRelay", matchSubdomains = true }).ExpectAsync(HttpStatusCode.Created);
        var bob = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/recipients", new { kind = "Mailbox", displayName = "Bob", primaryAddress = "bob@contoso.test", extraAddresses = new[] { "robert@contoso.test" }, sendAs = new[] { "*@contoso.test" } }).ExpectAsync(HttpStatusCode.Created);
        await admin.SendJsonAsync(HttpMethod.Put, $"api/v1/recipients/{bob["id"]}/submission-password", new { password = "bobs submission password" }, "*").ExpectAsync(HttpStatusCode.OK);
        await admin.SendJsonAsync(HttpMethod.Post, "api/v1/recipients", new { kind = "Mailbox", displayName = "Postmaster", primaryAddress = "postmaster@contoso.test", deliveryKind = "Lmtp", deliveryTarget = "mailstore.contoso.test:24" }).ExpectAsync(HttpStatusCode.Created);
        var alias = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/recipients", new { kind = "Alias", primaryAddress = "sales@contoso.test", forwardToId = bob["id"] }).ExpectAsync(HttpStatusCode.Created);
        var contact = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/recipients", new { kind = "MailContact", displayName = "Partner", primaryAddress = "partner@contoso.test", externalAddress = "someone@partner.example" }).ExpectAsync(HttpStatusCode.Created);
        var group = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/recipients", new { kind = "DistributionGroup", displayName = "Team", primaryAddress = "team@contoso.test", memberIds = new[] { bob["id"], alias["id"], contact["id"] } }).ExpectAsync(HttpStatusCode.Created);

        var frontend = (await admin.GetOkAsync("api/v1/receive-connectors")).AsArray().Single(c => c!["name"]!.GetValue<string>() == "Default Frontend")!.AsObject();
        frontend["maxMessageSizeBytes"] = 50L * 1024 * 1024;
        frontend["remoteIpRanges"] = new JsonArray("0.0.0.0/0");
        await admin.SendJsonAsync(HttpMethod.Put, $"api/v1/receive-connectors/{frontend["id"]}", frontend, "*").ExpectAsync(HttpStatusCode.OK);
        await admin.SendJsonAsync(HttpMethod.Post, "api/v1/send-connectors", new
        {
            name = "Outbound via relay",
            addressSpaces = new[] { new { domain = "*", cost = 10 }, new { domain = "partner.example", cost = 1 } },
            routingMethod = "SmartHost",
            smartHosts = new[] { "relay.example.net:587" },
            tlsPolicy = "Required",
        }).ExpectAsync(HttpStatusCode.Created);
        await admin.SendJsonAsync(HttpMethod.Post, "api/v1/send-connectors", new
        {
            name = "Internet, MTA-STS enforced",
            addressSpaces = new[] { new { domain = "*", cost = 20 } },
            routingMethod = "DnsMx",
            mtaSts = "Enforce",
        }).ExpectAsync(HttpStatusCode.Created);
        await admin.SendJsonAsync(HttpMethod.Post, "api/v1/rules", new
        {
            name = "Team mail through the relay",
            comments = "routes the team's mail",
            definition = new
            {
                conditions = new[] { new { kind = "AnyRecipientMemberOf", values = new[] { group["id"]!.GetValue<string>() } } },
                actions = new[] { new { kind = "RouteThroughConnector", arguments = new Dictionary<string, string> { ["Connector"] = "Outbound via relay" } } },
            },
        }).ExpectAsync(HttpStatusCode.Created);
        await admin.SendJsonAsync(HttpMethod.Post, "api/v1/rules", new
        {
            name = "Tag invoices",
            mode = "Test",
            definition = new
            {
                conditions = new[] { new { kind = "SubjectContainsWords", values = new[] { "invoice" } } },
                actions = new[] { new { kind = "SetHeader", arguments = new Dictionary<string, string> { ["Name"] = "X-Invoice", ["Value"] = "yes" } } },
            },
        }).ExpectAsync(HttpStatusCode.Created);

        await admin.SendJsonAsync(HttpMethod.Post, "api/v1/rules", new
        {
            name = "Report protected archives",
            definition = new
            {
                conditions = new[] { new { kind = "AttachmentIsPasswordProtected", values = Array.Empty<string>() }, new { kind = "MessageTypeIs", values = new[] { "AutoForward", "Encrypted" } } },
                exceptions = new[] { new { kind = "DmarcResultIs", values = new[] { "pass" } } },
                actions = new[]
                {
                    new { kind = "GenerateIncidentReport", arguments = new Dictionary<string, string> { ["Addresses"] = "postmaster@contoso.test" } },
                    new { kind = "SetClassification", arguments = new Dictionary<string, string> { ["Value"] = "Restricted" } },
                },
            },
        }).ExpectAsync(HttpStatusCode.Created);
        await admin.SendJsonAsync(HttpMethod.Post, "api/v1/journal-rules", new
        {
            name = "Team to the archive", scope = "External", recipient = "team@contoso.test",
            journalAddress = "vault@archive.example", alternateJournalAddress = "postmaster@contoso.test",
        }).ExpectAsync(HttpStatusCode.Created);
        var badJournal = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/journal-rules", new { name = "Bad", journalAddress = "not an address" })
            .ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(badJournal["errors"]!["JournalAddress"]);
        var (settings, etag) = await admin.GetWithETagAsync("api/v1/organization-settings");
        settings["organizationName"] = "Contoso";
        settings["messageExpirationTimeoutSeconds"] = 86400;
        await admin.SendJsonAsync(HttpMethod.Put, "api/v1/organization-settings", settings, etag).ExpectAsync(HttpStatusCode.OK);
    }

    [Fact]
    public async Task ExportThenApply_OnAnEmptyStore_ReproducesTheConfigurationExactly()
    {
        string exported;
        await using (var source = await StartAsync())
        {
            using var admin = source.Client();
            await BuildRichConfigurationAsync(admin);
            exported = await ExportAsync(admin, includeSecrets: true);
        }
        Assert.Contains("team@contoso.test", exported);
        Assert.DoesNotContain("smartHostPassword\"", exported);
        var connectors = JsonNode.Parse(exported)!["sendConnectors"]!.AsArray();
        Assert.Equal("Enforce", connectors.Single(c => c!["name"]!.GetValue<string>() == "Internet, MTA-STS enforced")!["mtaSts"]!.GetValue<string>());
        Assert.Equal("Testing", connectors.Single(c => c!["name"]!.GetValue<string>() == "Outbound via relay")!["mtaSts"]!.GetValue<string>());

        await using var target = await StartAsync();
        using var targetAdmin = target.Client();
        var before = await target.LatestGenerationAsync();
        var result = await targetAdmin.SendJsonAsync(HttpMethod.Post, "api/v1/config/apply", JsonNode.Parse(exported)).ExpectAsync(HttpStatusCode.OK);

        Assert.True(result["applied"]!.GetValue<bool>());
        Assert.Equal(before + 1, result["generation"]!.GetValue<long>());
        Assert.Equal(before + 1, await target.LatestGenerationAsync());
        Assert.Equal(exported, await ExportAsync(targetAdmin, includeSecrets: true));

        // The password hash came along: bob can still sign in to submit on the new node.
        var recipients = target.Services.GetRequiredService<RecipientService>();
        var bob = (await recipients.ListAsync()).Single(r => r.PrimaryAddress == "bob@contoso.test");
        Assert.True(recipients.VerifySubmissionPassword(bob, "bobs submission password"));

        // One apply = one audit entry.
        var audit = await targetAdmin.GetOkAsync("api/v1/audit?objectType=ConfigurationDocument");
        var entry = Assert.Single(audit["items"]!.AsArray());
        Assert.Equal("Apply", entry!["action"]!.GetValue<string>());
        Assert.Equal(before + 1, entry["generation"]!.GetValue<long>());
        var all = (await targetAdmin.GetOkAsync("api/v1/audit?pageSize=500"))["items"]!.AsArray();
        Assert.Single(all, e => e!["generation"]!.GetValue<long>() == before + 1);
    }

    [Fact]
    public async Task Apply_WhenTheDocumentIsReapplied_ChangesNothing()
    {
        await using var server = await StartAsync();
        using var admin = server.Client();
        await BuildRichConfigurationAsync(admin);
        var exported = await ExportAsync(admin);
        var generation = await server.LatestGenerationAsync();

        var result = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/config/apply", JsonNode.Parse(exported)).ExpectAsync(HttpStatusCode.OK);

        Assert.False(result["applied"]!.GetValue<bool>());
        Assert.Empty(result["plan"]!["changes"]!.AsArray());
        Assert.Equal(generation, await server.LatestGenerationAsync());
    }

    [Fact]
    public async Task Apply_WhenAnythingIsInvalid_ChangesNothing()
    {
        await using var server = await StartAsync();
        using var admin = server.Client();
        var exported = await ExportAsync(admin);
        var generation = await server.LatestGenerationAsync();

        var document = JsonNode.Parse(exported)!.AsObject();
        document["acceptedDomains"]!.AsArray().Add(new JsonObject { ["domainName"] = "valid.example", ["type"] = "Authoritative" });
        document["recipients"]!.AsArray().Add(new JsonObject { ["kind"] = "Mailbox", ["primaryAddress"] = "valid@valid.example" });
        document["recipients"]!.AsArray().Add(new JsonObject { ["kind"] = "Mailbox", ["primaryAddress"] = "nobody@not-accepted.example" });
        document["recipients"]!.AsArray().Add(new JsonObject { ["kind"] = "Alias", ["primaryAddress"] = "alias@valid.example", ["forwardTo"] = "missing@valid.example" });
        document["receiveConnectors"]!.AsArray().Add(new JsonObject { ["name"] = "Broken", ["bindings"] = new JsonArray() });
        var recipientCount = document["recipients"]!.AsArray().Count;

        var problem = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/config/apply", document).ExpectAsync(HttpStatusCode.UnprocessableEntity);

        var errors = problem["errors"]!.AsObject().Select(e => e.Key).ToList();
        Assert.Contains($"recipients[{recipientCount - 2}].PrimaryAddress", errors);
        Assert.Contains($"recipients[{recipientCount - 1}].ForwardTo", errors);
        Assert.Contains(errors, e => e.StartsWith("receiveConnectors[", StringComparison.Ordinal) && e.EndsWith("].Bindings", StringComparison.Ordinal));
        Assert.Equal(generation, await server.LatestGenerationAsync());
        Assert.Equal(exported, await ExportAsync(admin));
        var plan = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/config/plan", document).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Equal(problem["errors"]!.ToJsonString(), plan["errors"]!.ToJsonString());
    }

    [Fact]
    public async Task Apply_WhenDryRun_ShowsTheDiffAndChangesNothing()
    {
        await using var server = await StartAsync();
        using var admin = server.Client();
        var exported = await ExportAsync(admin);
        var generation = await server.LatestGenerationAsync();
        var document = JsonNode.Parse(exported)!.AsObject();
        document["acceptedDomains"]!.AsArray().Add(new JsonObject { ["domainName"] = "new.example" });
        document["receiveConnectors"] = new JsonArray([.. document["receiveConnectors"]!.AsArray()
            .Where(c => c!["name"]!.GetValue<string>() != "Client Implicit TLS").Select(c => c!.DeepClone())]);
        document["organizationSettings"]!["organizationName"] = "Dry run";

        var result = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/config/apply?dryRun=true", document).ExpectAsync(HttpStatusCode.OK);

        Assert.True(result["dryRun"]!.GetValue<bool>());
        Assert.False(result["applied"]!.GetValue<bool>());
        var changes = result["plan"]!["changes"]!.AsArray().Select(c => $"{c!["action"]} {c["objectType"]} {c["name"]} {string.Join(",", c["changedFields"]!.AsArray().Select(f => f!.GetValue<string>()))}".TrimEnd()).ToList();
        Assert.Equal(
            ["Update OrganizationSettings Organization settings OrganizationName", "Create AcceptedDomain new.example", "Delete ReceiveConnector Client Implicit TLS"],
            changes);
        Assert.Equal(generation, await server.LatestGenerationAsync());
        Assert.Equal(exported, await ExportAsync(admin));
    }

    [Fact]
    public async Task Apply_WhenTheDocumentHasNoSmartHostPassword_KeepsTheStoredOne()
    {
        await using var server = await StartAsync();
        using var admin = server.Client();
        await admin.SendJsonAsync(HttpMethod.Post, "api/v1/send-connectors", new
        {
            name = "Authenticated relay",
            addressSpaces = new[] { new { domain = "*", cost = 1 } },
            routingMethod = "SmartHost",
            smartHosts = new[] { "relay.example.net:587" },
            smartHostAuthentication = "Basic",
            smartHostUsername = "mailflow",
            smartHostPassword = "kept-secret-123",
            tlsPolicy = "RequiredWithCertificateValidation",
        }).ExpectAsync(HttpStatusCode.Created);
        var exported = await ExportAsync(admin, includeSecrets: true);
        Assert.DoesNotContain("kept-secret-123", exported);
        var document = JsonNode.Parse(exported)!.AsObject();
        document["sendConnectors"]![0]!["port"] = 2525;

        var result = await admin.SendJsonAsync(HttpMethod.Post, "api/v1/config/apply", document).ExpectAsync(HttpStatusCode.OK);

        Assert.Equal(["Port"], result["plan"]!["changes"]![0]!["changedFields"]!.AsArray().Select(f => f!.GetValue<string>()));
        var connector = (await server.Services.GetRequiredService<SendConnectorService>().ListAsync()).Single();
        Assert.Equal(2525, connector.Port);
        Assert.Equal("kept-secret-123", server.Services.GetRequiredService<SmartHostPasswordProtector>().Unprotect(connector));
    }

    [Fact]
    public async Task ConfigFile_AtStartUp_ProvisionsTheNode()
    {
        var file = Path.Combine(Path.GetTempPath(), $"mailflow-config-{Guid.NewGuid():N}.json");
        try
        {
            var document = new ConfigurationDocument
            {
                AcceptedDomains =
                [
                    new AcceptedDomainSpec { DomainName = "provisioned.example", IsDefault = true },
                ],
                Recipients =
                [
                    new RecipientSpec { Kind = RecipientKind.Mailbox, PrimaryAddress = "postmaster@provisioned.example" },
                    new RecipientSpec { Kind = RecipientKind.Alias, PrimaryAddress = "abuse@provisioned.example", ForwardTo = "postmaster@provisioned.example" },
                ],
            };
            await File.WriteAllTextAsync(file, System.Text.Json.JsonSerializer.Serialize(document, ConfigurationDocument.JsonOptions));

            await using var server = await StartAsync(new Dictionary<string, string?> { ["Mailflow:ConfigFile"] = file });
            using var admin = server.Client();
            var domains = (await admin.GetOkAsync("api/v1/accepted-domains")).AsArray();
            Assert.Equal(["provisioned.example"], domains.Select(d => d!["domainName"]!.GetValue<string>()));
            var recipients = (await admin.GetOkAsync("api/v1/recipients")).AsArray().Select(r => r!["primaryAddress"]!.GetValue<string>());
            Assert.Equal(["abuse@provisioned.example", "postmaster@provisioned.example"], recipients);

            var invalid = new ConfigurationDocument { AcceptedDomains = [new AcceptedDomainSpec { DomainName = "not a domain", IsDefault = true }] };
            await File.WriteAllTextAsync(file, System.Text.Json.JsonSerializer.Serialize(invalid, ConfigurationDocument.JsonOptions));
            var failure = await Assert.ThrowsAnyAsync<Exception>(() => StartAsync(new Dictionary<string, string?> { ["Mailflow:ConfigFile"] = file }));
            Assert.Contains("acceptedDomains[0].DomainName", failure.ToString());
        }
        finally
        {
            File.Delete(file);
        }
    }
}

public sealed class SqliteConfigurationAsCodeTests() : ConfigurationAsCodeTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class PostgresConfigurationAsCodeTests(PostgresFixture postgres) : ConfigurationAsCodeTests(DatabaseProvider.Postgres, postgres);
