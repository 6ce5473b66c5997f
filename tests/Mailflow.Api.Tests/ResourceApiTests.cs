using System.Net;
using System.Text.Json.Nodes;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Identity;
using Mailflow.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Api.Tests;

/// <summary>
/// Every /api/v1 resource over a real socket: CRUD, the services' validation messages as problem
/// details, authentication (401), roles (403), and optimistic concurrency (428/412). Written once,
/// run on SQLite and PostgreSQL. Tests share one server per class and use unique names.
/// </summary>
public abstract class ResourceApiTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
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

    private async Task<HttpClient> ClientWithRoleAsync(string role, string? name = null)
    {
        var created = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/api-keys", new { name = name ?? Http.Unique("key-"), role }).ExpectAsync(HttpStatusCode.Created);
        return _server.Client(created["key"]!.GetValue<string>());
    }

    [Fact]
    public async Task Request_WhenNoKey_Returns401ProblemNotLoginRedirect()
    {
        using var anonymous = _server.Client(apiKey: null);
        using var response = await anonymous.GetAsync("api/v1/accepted-domains");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("Bearer", response.Headers.WwwAuthenticate.ToString());
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Request_WhenKeyUnknown_Returns401()
    {
        using var stranger = _server.Client("mf_not-a-key-anyone-created-0123456789");
        await stranger.GetAsync("api/v1/accepted-domains").ExpectAsync(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Request_WhenKeyInXApiKeyHeader_IsAuthenticated()
    {
        using var client = _server.Client(apiKey: null);
        client.DefaultRequestHeaders.Add("X-Api-Key", ApiServer.InitialKey);
        var domains = await client.GetOkAsync("api/v1/accepted-domains");
        Assert.Contains(domains.AsArray(), d => d!["domainName"]!.GetValue<string>() == "mailflow.local");
    }

    [Fact]
    public async Task AcceptedDomain_WhenCreatedChangedAndRemoved_RoundTripsWithETags()
    {
        var name = Http.Unique("d") + ".example";
        var created = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/accepted-domains", new { domainName = name.ToUpperInvariant(), type = "InternalRelay" }).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(name, created["domainName"]!.GetValue<string>());
        Assert.Equal("InternalRelay", created["type"]!.GetValue<string>());
        var id = created["id"]!.GetValue<string>();

        var (body, etag) = await _admin.GetWithETagAsync($"api/v1/accepted-domains/{id}");
        Assert.Equal("\"0\"", etag);
        body["matchSubdomains"] = true;
        var updated = await _admin.SendJsonAsync(HttpMethod.Put, $"api/v1/accepted-domains/{id}", body, etag).ExpectAsync(HttpStatusCode.OK);
        Assert.True(updated["matchSubdomains"]!.GetValue<bool>());
        Assert.Equal(1, updated["revision"]!.GetValue<int>());

        await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/accepted-domains/{id}", ifMatch: "\"1\"").ExpectAsync(HttpStatusCode.NoContent);
        await _admin.GetAsync($"api/v1/accepted-domains/{id}").ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task AcceptedDomain_WhenNameInvalid_Returns422WithTheAdminCenterMessage()
    {
        var problem = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/accepted-domains", new { domainName = "not a domain" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        var expected = AcceptedDomainService.ValidateFields(new AcceptedDomain { DomainName = "not a domain" }).For(nameof(AcceptedDomain.DomainName)).Single();
        Http.AssertFieldError(problem, "DomainName", expected);
    }

    [Fact]
    public async Task AcceptedDomain_WhenDuplicate_Returns422OnDomainName()
    {
        var problem = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/accepted-domains", new { domainName = "mailflow.local" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(problem, "DomainName", "mailflow.local is already an accepted domain.");
    }

    [Fact]
    public async Task Update_WhenIfMatchIsStale_Returns412AndKeepsTheStoredValue()
    {
        var name = Http.Unique("stale") + ".example";
        var created = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/accepted-domains", new { domainName = name }).ExpectAsync(HttpStatusCode.Created);
        var id = created["id"]!.GetValue<string>();
        var (body, etag) = await _admin.GetWithETagAsync($"api/v1/accepted-domains/{id}");
        body["type"] = "ExternalRelay";
        await _admin.SendJsonAsync(HttpMethod.Put, $"api/v1/accepted-domains/{id}", body, etag).ExpectAsync(HttpStatusCode.OK);

        // A second admin still holds the first read.
        body["type"] = "InternalRelay";
        var problem = await _admin.SendJsonAsync(HttpMethod.Put, $"api/v1/accepted-domains/{id}", body, etag).ExpectAsync(HttpStatusCode.PreconditionFailed);
        Assert.Equal(412, problem["status"]!.GetValue<int>());
        await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/accepted-domains/{id}", ifMatch: etag).ExpectAsync(HttpStatusCode.PreconditionFailed);
        var stored = await _admin.GetOkAsync($"api/v1/accepted-domains/{id}");
        Assert.Equal("ExternalRelay", stored["type"]!.GetValue<string>());
    }

    [Fact]
    public async Task Update_WhenIfMatchMissing_Returns428_AndStarOverwrites()
    {
        var created = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/accepted-domains", new { domainName = Http.Unique("star") + ".example" }).ExpectAsync(HttpStatusCode.Created);
        var id = created["id"]!.GetValue<string>();
        created["matchSubdomains"] = true;
        await _admin.SendJsonAsync(HttpMethod.Put, $"api/v1/accepted-domains/{id}", created).ExpectAsync(HttpStatusCode.PreconditionRequired);
        var saved = await _admin.SendJsonAsync(HttpMethod.Put, $"api/v1/accepted-domains/{id}", created, "*").ExpectAsync(HttpStatusCode.OK);
        Assert.True(saved["matchSubdomains"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Write_WhenKeyIsViewOnly_Returns403ButReadsSucceed()
    {
        using var viewer = await ClientWithRoleAsync(AdminRoles.ViewOnly);
        await viewer.GetOkAsync("api/v1/receive-connectors");
        var problem = await viewer.SendJsonAsync(HttpMethod.Post, "api/v1/accepted-domains", new { domainName = Http.Unique("v") + ".example" }).ExpectAsync(HttpStatusCode.Forbidden);
        Assert.Contains(AdminRoles.OrganizationManagement, problem["detail"]!.GetValue<string>());
        await viewer.SendJsonAsync(HttpMethod.Post, "api/v1/recipients", new { kind = "Mailbox", primaryAddress = Http.Unique("v") + "@mailflow.local" }).ExpectAsync(HttpStatusCode.Forbidden);
        await viewer.GetAsync("api/v1/api-keys").ExpectAsync(HttpStatusCode.Forbidden);
        await viewer.SendJsonAsync(HttpMethod.Post, "api/v1/config/apply", new { schemaVersion = 1 }).ExpectAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task RecipientManagementKey_ChangesRecipientsButNotConnectors()
    {
        using var helpdesk = await ClientWithRoleAsync(AdminRoles.RecipientManagement);
        var address = Http.Unique("rm") + "@mailflow.local";
        var created = await helpdesk.SendJsonAsync(HttpMethod.Post, "api/v1/recipients", new { kind = "Mailbox", primaryAddress = address, displayName = "Helpdesk made" }).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(address, created["primaryAddress"]!.GetValue<string>());

        var connector = (await helpdesk.GetOkAsync("api/v1/receive-connectors")).AsArray()[0]!.AsObject();
        connector["banner"] = "changed by the helpdesk";
        await helpdesk.SendJsonAsync(HttpMethod.Put, $"api/v1/receive-connectors/{connector["id"]}", connector, "*").ExpectAsync(HttpStatusCode.Forbidden);
        await helpdesk.SendJsonAsync(HttpMethod.Post, "api/v1/accepted-domains", new { domainName = Http.Unique("rm") + ".example" }).ExpectAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task ReceiveConnector_WhenCreatedCopiedChangedAndRemoved_Works()
    {
        var name = Http.Unique("Partners ");
        var created = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/receive-connectors", new
        {
            name,
            enabled = false,
            bindings = new[] { new { address = "127.0.0.1", port = 2626 } },
            remoteIpRanges = new[] { "192.0.2.0/24" },
            permissionGroups = "Partners",
            tlsMode = "StartTls",
        }).ExpectAsync(HttpStatusCode.Created);
        var id = created["id"]!.GetValue<string>();
        Assert.Equal("Partners", created["permissionGroups"]!.GetValue<string>());

        var copy = await _admin.SendJsonAsync(HttpMethod.Post, $"api/v1/receive-connectors/{id}/copy", new { name = name + " copy" }).ExpectAsync(HttpStatusCode.Created);
        Assert.False(copy["enabled"]!.GetValue<bool>());
        Assert.Equal("192.0.2.0/24", copy["remoteIpRanges"]![0]!.GetValue<string>());

        var (body, etag) = await _admin.GetWithETagAsync($"api/v1/receive-connectors/{id}");
        body["maxMessageSizeBytes"] = 50L * 1024 * 1024;
        var saved = await _admin.SendJsonAsync(HttpMethod.Put, $"api/v1/receive-connectors/{id}", body, etag).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(50L * 1024 * 1024, saved["maxMessageSizeBytes"]!.GetValue<long>());

        await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/receive-connectors/{id}", ifMatch: "*").ExpectAsync(HttpStatusCode.NoContent);
        await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/receive-connectors/{copy["id"]}", ifMatch: "*").ExpectAsync(HttpStatusCode.NoContent);
        var names = (await _admin.GetOkAsync("api/v1/receive-connectors")).AsArray().Select(c => c!["name"]!.GetValue<string>()).ToList();
        Assert.DoesNotContain(name, names);
    }

    [Fact]
    public async Task ReceiveConnector_WhenFieldsInvalid_Returns422PerField()
    {
        var problem = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/receive-connectors", new
        {
            name = "",
            bindings = Array.Empty<object>(),
            maxRecipientsPerMessage = 0,
        }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(problem, "Name", "Give the connector a name.");
        Http.AssertFieldError(problem, "Bindings", "Add at least one binding (IP address and port), for example 0.0.0.0:25.");
        Http.AssertFieldError(problem, "MaxRecipientsPerMessage", "Allow between 1 and 100,000 recipients per message (RFC 5321 §4.5.3.1.8 requires at least 100 for general use).");
    }

    [Fact]
    public async Task SendConnector_PasswordIsWriteOnly_AndKeptWhenNotSent()
    {
        const string password = "smart-host-secret-4711";
        var name = Http.Unique("Relay ");
        using var response = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/send-connectors", new
        {
            name,
            addressSpaces = new[] { new { domain = "*", cost = 5 } },
            routingMethod = "SmartHost",
            smartHosts = new[] { "relay.example.net:587" },
            smartHostAuthentication = "Basic",
            smartHostUsername = "mailflow",
            smartHostPassword = password,
            tlsPolicy = "RequiredWithCertificateValidation",
        });
        var text = await response.Content.ReadAsStringAsync();
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        Assert.DoesNotContain(password, text);
        Assert.DoesNotContain("smartHostPasswordProtected", text, StringComparison.OrdinalIgnoreCase);
        var created = JsonNode.Parse(text)!;
        Assert.True(created["hasSmartHostPassword"]!.GetValue<bool>());
        Assert.Null(created["smartHostPassword"]?.GetValue<string>());
        var id = created["id"]!.GetValue<string>();

        var (body, etag) = await _admin.GetWithETagAsync($"api/v1/send-connectors/{id}");
        body["port"] = 587;
        var saved = await _admin.SendJsonAsync(HttpMethod.Put, $"api/v1/send-connectors/{id}", body, etag).ExpectAsync(HttpStatusCode.OK);
        Assert.True(saved["hasSmartHostPassword"]!.GetValue<bool>());

        var stored = await _server.Services.GetRequiredService<SendConnectorService>().GetAsync(Guid.Parse(id));
        Assert.Equal(password, _server.Services.GetRequiredService<SmartHostPasswordProtector>().Unprotect(stored!));
        var list = await _admin.GetAsync("api/v1/send-connectors");
        Assert.DoesNotContain(password, await list.Content.ReadAsStringAsync());
    }

    [Fact]
    public async Task SendConnector_WhenBasicAuthWithoutPassword_Returns422()
    {
        var problem = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/send-connectors", new
        {
            name = Http.Unique("NoPassword "),
            addressSpaces = new[] { new { domain = "*", cost = 1 } },
            routingMethod = "SmartHost",
            smartHosts = new[] { "relay.example.net" },
            smartHostAuthentication = "Basic",
            smartHostUsername = "u",
            tlsPolicy = "RequiredWithCertificateValidation",
        }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(problem, "SmartHostPassword", "Enter the password for the smart host.");
    }

    [Fact]
    public async Task Recipient_SubmissionPassword_SetResetAndRemove()
    {
        var address = Http.Unique("mbx") + "@mailflow.local";
        var created = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/recipients", new { kind = "Mailbox", primaryAddress = address }).ExpectAsync(HttpStatusCode.Created);
        var id = created["id"]!.GetValue<string>();
        Assert.False(created["hasSubmissionPassword"]!.GetValue<bool>());
        var recipients = _server.Services.GetRequiredService<RecipientService>();

        var tooShort = await _admin.SendJsonAsync(HttpMethod.Put, $"api/v1/recipients/{id}/submission-password", new { password = "short" }, "\"0\"").ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(tooShort, "Password", $"Use at least {RecipientService.MinimumPasswordLength} characters.");

        var set = await _admin.SendJsonAsync(HttpMethod.Put, $"api/v1/recipients/{id}/submission-password", new { password = "correct horse battery" }, "\"0\"").ExpectAsync(HttpStatusCode.OK);
        Assert.True(set["hasSubmissionPassword"]!.GetValue<bool>());
        Assert.Null(set["submissionPasswordHash"]);
        Assert.True(recipients.VerifySubmissionPassword((await recipients.GetAsync(Guid.Parse(id)))!, "correct horse battery"));

        var reset = await _admin.SendJsonAsync(HttpMethod.Post, $"api/v1/recipients/{id}/submission-password/reset", ifMatch: "\"1\"").ExpectAsync(HttpStatusCode.OK);
        var generated = reset["password"]!.GetValue<string>();
        Assert.True(generated.Length >= 16);
        Assert.True(recipients.VerifySubmissionPassword((await recipients.GetAsync(Guid.Parse(id)))!, generated));

        var removed = await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/recipients/{id}/submission-password", ifMatch: "*").ExpectAsync(HttpStatusCode.OK);
        Assert.False(removed["hasSubmissionPassword"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Recipient_AliasAndGroup_ReferenceOtherRecipients_AndAddressMustBeInAcceptedDomain()
    {
        var target = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/recipients", new { kind = "Mailbox", primaryAddress = Http.Unique("t") + "@mailflow.local" }).ExpectAsync(HttpStatusCode.Created);
        var alias = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/recipients", new { kind = "Alias", primaryAddress = Http.Unique("a") + "@mailflow.local", forwardToId = target["id"] }).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(target["id"]!.GetValue<string>(), alias["forwardToId"]!.GetValue<string>());
        var group = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/recipients", new { kind = "DistributionGroup", primaryAddress = Http.Unique("g") + "@mailflow.local", memberIds = new[] { target["id"], alias["id"] } }).ExpectAsync(HttpStatusCode.Created);
        Assert.Equal(2, group["memberIds"]!.AsArray().Count);

        var outside = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/recipients", new { kind = "Mailbox", primaryAddress = "someone@not-accepted.example" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(outside, "PrimaryAddress", "not-accepted.example is not an accepted domain. Add it under Accepted domains first, or use an address in one.");

        // Removing the alias' target is refused while the alias points at it.
        var refused = await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/recipients/{target["id"]}", ifMatch: "*").ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains(alias["primaryAddress"]!.GetValue<string>(), refused["detail"]!.GetValue<string>());
    }

    [Fact]
    public async Task Rules_WhenCreatedMovedAndRemoved_KeepAGapFreeOrder()
    {
        object Rule(string name) => new
        {
            name,
            definition = new { conditions = new[] { new { kind = "SubjectContainsWords", values = new[] { "invoice" } } }, actions = new[] { new { kind = "SetHeader", arguments = new Dictionary<string, string> { ["Name"] = "X-Tag", ["Value"] = name } } } },
        };
        var catalog = await _admin.GetOkAsync("api/v1/rules/catalog");
        Assert.Contains(catalog["predicates"]!.AsArray(), p => p!["kind"]!.GetValue<string>() == "SubjectContainsWords");

        var first = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/rules", Rule(Http.Unique("first-"))).ExpectAsync(HttpStatusCode.Created);
        var second = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/rules", Rule(Http.Unique("second-"))).ExpectAsync(HttpStatusCode.Created);
        var moved = await _admin.SendJsonAsync(HttpMethod.Post, $"api/v1/rules/{second["id"]}/move", new { priority = 0 }).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(0, moved["priority"]!.GetValue<int>());

        var rules = (await _admin.GetOkAsync("api/v1/rules")).AsArray();
        Assert.Equal(Enumerable.Range(0, rules.Count), rules.Select(r => r!["priority"]!.GetValue<int>()));
        Assert.Equal(second["id"]!.GetValue<string>(), rules[0]!["id"]!.GetValue<string>());

        var (body, etag) = await _admin.GetWithETagAsync($"api/v1/rules/{first["id"]}");
        body["enabled"] = false;
        var disabled = await _admin.SendJsonAsync(HttpMethod.Put, $"api/v1/rules/{first["id"]}", body, etag).ExpectAsync(HttpStatusCode.OK);
        Assert.False(disabled["enabled"]!.GetValue<bool>());

        await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/rules/{second["id"]}", ifMatch: "*").ExpectAsync(HttpStatusCode.NoContent);
        rules = (await _admin.GetOkAsync("api/v1/rules")).AsArray();
        Assert.Equal(Enumerable.Range(0, rules.Count), rules.Select(r => r!["priority"]!.GetValue<int>()));

        var invalid = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/rules", new { name = Http.Unique("bad-"), definition = new { } }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(invalid, "Actions", "Add at least one action: what should happen to matching messages?");
    }

    [Fact]
    public async Task Rules_WithTheFullerCatalog_AreStoredAndBadChoicesRefusedNextToTheField()
    {
        var catalog = await _admin.GetOkAsync("api/v1/rules/catalog");
        var messageType = catalog["predicates"]!.AsArray().Single(p => p!["kind"]!.GetValue<string>() == "MessageTypeIs")!;
        Assert.Contains(messageType["choices"]!.AsArray(), c => c!["value"]!.GetValue<string>() == "AutoForward");
        Assert.Contains(catalog["actions"]!.AsArray(), a => a!["kind"]!.GetValue<string>() == "GenerateIncidentReport");

        var created = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/rules", new
        {
            name = Http.Unique("catalog-"),
            definition = new
            {
                conditions = new[] { new { kind = "MessageTypeIs", values = new[] { "Encrypted" } }, new { kind = "SpfResultIs", values = new[] { "fail", "softfail" } } },
                exceptions = new[] { new { kind = "CharsetIs", values = new[] { "utf-8" } } },
                actions = new[]
                {
                    new { kind = "BccTo", arguments = new Dictionary<string, string> { ["Addresses"] = "audit@contoso.test" } },
                    new { kind = "GenerateIncidentReport", arguments = new Dictionary<string, string> { ["Addresses"] = "compliance@contoso.test" } },
                },
            },
        }).ExpectAsync(HttpStatusCode.Created);
        var stored = await _admin.GetOkAsync($"api/v1/rules/{created["id"]}");
        Assert.Equal("SpfResultIs", stored["definition"]!["conditions"]![1]!["kind"]!.GetValue<string>());
        Assert.Equal("CharsetIs", stored["definition"]!["exceptions"]![0]!["kind"]!.GetValue<string>());

        var invalid = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/rules", new
        {
            name = Http.Unique("bad-type-"),
            definition = new
            {
                conditions = new[] { new { kind = "MessageTypeIs", values = new[] { "Fax" } } },
                actions = new[] { new { kind = "SetImportance", arguments = new Dictionary<string, string> { ["Value"] = "urgent" } } },
            },
        }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(invalid, "Conditions", "'Fax' is not one of AutoForward, AutoReply, Calendaring, Encrypted, Signed, Ndr, ReadReceipt.");
        Http.AssertFieldError(invalid, "Actions", "The importance is High, Normal or Low.");
    }

    [Fact]
    public async Task OrganizationSettings_GetWithETag_PutValidatesAndSaves()
    {
        var (settings, etag) = await _admin.GetWithETagAsync("api/v1/organization-settings");
        settings["transientRetryAttempts"] = 99;
        var problem = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/organization-settings", settings, etag).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(problem, "TransientRetryAttempts", "Use between 0 and 15 quick retries (Exchange allows 15).");

        settings["transientRetryAttempts"] = 3;
        var saved = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/organization-settings", settings, etag).ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(3, saved["transientRetryAttempts"]!.GetValue<int>());
        await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/organization-settings", settings, etag).ExpectAsync(HttpStatusCode.PreconditionFailed);
    }

    [Fact]
    public async Task Nodes_AndGenerations_ShowTheClusterState()
    {
        await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/accepted-domains", new { domainName = Http.Unique("gen") + ".example" }).ExpectAsync(HttpStatusCode.Created);
        var generations = (await _admin.GetOkAsync("api/v1/configuration/generations?limit=2")).AsArray();
        Assert.Equal(2, generations.Count);
        Assert.True(generations[0]!["number"]!.GetValue<long>() > generations[1]!["number"]!.GetValue<long>());
        Assert.Equal("apikey:initial", generations[0]!["changedBy"]!.GetValue<string>());

        var nodes = (await _admin.GetOkAsync("api/v1/nodes")).AsArray();
        var node = Assert.Single(nodes, n => n!["name"]!.GetValue<string>() == "node-api-tests");
        Assert.True(node!["latestGeneration"]!.GetValue<long>() >= generations[0]!["number"]!.GetValue<long>());
        Assert.True(node["activeGeneration"]!.GetValue<long>() >= 1);
    }

    [Fact]
    public async Task Audit_RecordsChangesUnderTheKeyName_AndFiltersAndPages()
    {
        var keyName = Http.Unique("auditor-");
        using var auditor = await ClientWithRoleAsync(AdminRoles.OrganizationManagement, keyName);
        for (var i = 0; i < 3; i++)
            await auditor.SendJsonAsync(HttpMethod.Post, "api/v1/accepted-domains", new { domainName = Http.Unique("audit") + ".example" }).ExpectAsync(HttpStatusCode.Created);

        var actor = Uri.EscapeDataString("apikey:" + keyName);
        var page1 = await _admin.GetOkAsync($"api/v1/audit?actor={actor}&objectType=AcceptedDomain&pageSize=2&page=1");
        Assert.Equal(3, page1["total"]!.GetValue<int>());
        Assert.Equal(2, page1["items"]!.AsArray().Count);
        Assert.All(page1["items"]!.AsArray(), e => Assert.Equal("apikey:" + keyName, e!["actor"]!.GetValue<string>()));
        var page2 = await _admin.GetOkAsync($"api/v1/audit?actor={actor}&objectType=AcceptedDomain&pageSize=2&page=2");
        Assert.Single(page2["items"]!.AsArray());

        var future = Uri.EscapeDataString(DateTimeOffset.UtcNow.AddHours(1).ToString("O"));
        Assert.Equal(0, (await _admin.GetOkAsync($"api/v1/audit?actor={actor}&from={future}"))["total"]!.GetValue<int>());
    }

    [Fact]
    public async Task ApiKeys_WhenCreatedListedAndRevoked_StopWorkingAndNeverShowTheSecretAgain()
    {
        var name = Http.Unique("ci-");
        var created = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/api-keys", new { name, role = AdminRoles.ViewOnly }).ExpectAsync(HttpStatusCode.Created);
        var secret = created["key"]!.GetValue<string>();
        Assert.StartsWith(created["apiKey"]!["prefix"]!.GetValue<string>(), secret);
        using var client = _server.Client(secret);
        await client.GetOkAsync("api/v1/accepted-domains");

        using var list = await _admin.GetAsync("api/v1/api-keys");
        var listed = await list.Content.ReadAsStringAsync();
        Assert.Contains(name, listed);
        Assert.DoesNotContain(secret, listed);
        Assert.DoesNotContain(ApiKeySecret.Hash(secret), listed);

        var duplicate = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/api-keys", new { name, role = AdminRoles.ViewOnly }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(duplicate, "Name", $"There is already an API key named '{name}'. Revoke it first or choose another name.");
        var badRole = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/api-keys", new { name = Http.Unique("x-"), role = "Root" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(badRole["errors"]!["Role"]);

        var revoked = await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/api-keys/{created["apiKey"]!["id"]}").ExpectAsync(HttpStatusCode.OK);
        Assert.NotNull(revoked["revokedAt"]);
        await client.GetAsync("api/v1/accepted-domains").ExpectAsync(HttpStatusCode.Unauthorized);

        var audit = await _admin.GetOkAsync($"api/v1/audit?objectType=ApiKey&objectName={name}");
        Assert.Equal(["Update", "Create"], audit["items"]!.AsArray().Select(e => e!["action"]!.GetValue<string>()));
        Assert.DoesNotContain(secret, audit.ToJsonString());
    }

    [Fact]
    public async Task OpenApiDocument_DescribesTheApi()
    {
        using var anonymous = _server.Client(apiKey: null);
        var document = await anonymous.GetOkAsync("openapi/v1.json");
        Assert.Equal("Mailflow API", document["info"]!["title"]!.GetValue<string>());
        var paths = document["paths"]!.AsObject().Select(p => p.Key).ToList();
        Assert.Contains("/api/v1/accepted-domains/{id}", paths);
        Assert.Contains("/api/v1/config/apply", paths);
        Assert.DoesNotContain(paths, p => !p.StartsWith("/api/v1/", StringComparison.Ordinal));
        Assert.NotNull(document["components"]!["securitySchemes"]!["apiKey"]);
    }
}

public sealed class SqliteResourceApiTests(ServerPerClass servers)
    : ResourceApiTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresResourceApiTests(ServerPerClass servers, PostgresFixture postgres)
    : ResourceApiTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
