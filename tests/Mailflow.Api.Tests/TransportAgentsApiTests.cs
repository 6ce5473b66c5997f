using System.Net;
using System.Text.Json.Nodes;
using Mailflow.Data;
using Mailflow.Identity;
using Mailflow.TestSupport;

namespace Mailflow.Api.Tests;

/// <summary>/api/v1/transport-agents and "mailflow agent" on a real server: list in pipeline order, settings that reach the engine, refusals next to the field, reset.</summary>
public abstract class TransportAgentsApiTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
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

    private static object AuthenticatedSubmission => new
    {
        sender = "someone@mailflow.local", recipients = new[] { "postmaster@mailflow.local" }, authenticated = true, resolveMx = false,
        eml = "From: someone@mailflow.local\r\nTo: postmaster@mailflow.local\r\nSubject: no message id here\r\n\r\nHello.\r\n",
    };

    private async Task<IReadOnlyList<string>> AgentsInWhatIfAsync()
    {
        var result = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/test-mail-flow", AuthenticatedSubmission).ExpectAsync(HttpStatusCode.OK);
        return [.. result["agents"]!.AsArray().Select(a => a!["agent"]!.GetValue<string>())];
    }

    [Fact]
    public async Task Agents_are_listed_in_pipeline_order_with_their_defaults()
    {
        var agents = (await _admin.GetOkAsync("api/v1/transport-agents")).AsArray();
        var names = agents.Select(a => a!["agent"]!["name"]!.GetValue<string>()).ToList();
        Assert.Equal(["MessageLimits", "Relay", "SendAs", "AuthFailureLimit", "SubmissionHeaders", "TransportRules"], names.Where(n => n is "MessageLimits" or "Relay" or "SendAs" or "AuthFailureLimit" or "SubmissionHeaders" or "TransportRules"));
        var priorities = agents.Select(a => a!["priority"]!.GetValue<int>()).ToList();
        Assert.Equal(priorities.Order(), priorities);
        var relay = agents.Single(a => a!["agent"]!["name"]!.GetValue<string>() == "Relay")!;
        Assert.False(relay["agent"]!["canBeDisabled"]!.GetValue<bool>());
        Assert.Equal(["MAIL FROM", "RCPT TO"], relay["agent"]!["events"]!.AsArray().Select(e => e!.GetValue<string>()));
    }

    [Fact]
    public async Task Turning_an_agent_off_reaches_the_engine_and_reset_brings_it_back()
    {
        Assert.Contains("Submission headers", await AgentsInWhatIfAsync());

        var (agent, etag) = await _admin.GetWithETagAsync("api/v1/transport-agents/SubmissionHeaders");
        Assert.Equal("\"0\"", etag);
        Assert.False(agent["hasSettings"]!.GetValue<bool>());
        var saved = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/transport-agents/SubmissionHeaders",
            new { enabled = false, timeoutMilliseconds = 2000, failurePolicy = "FailOpen" }, etag).ExpectAsync(HttpStatusCode.OK);
        Assert.False(saved["enabled"]!.GetValue<bool>());
        Assert.Equal(2000, saved["timeoutMilliseconds"]!.GetValue<int>());

        await WaitUntilAsync(async () => !(await AgentsInWhatIfAsync()).Contains("Submission headers"));

        // A stale ETag is refused; the audit names the change.
        await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/transport-agents/SubmissionHeaders", new { enabled = true }, etag).ExpectAsync(HttpStatusCode.PreconditionFailed);
        var audit = await _admin.GetOkAsync("api/v1/audit?objectType=TransportAgentSetting&objectName=SubmissionHeaders");
        Assert.Equal("Create", audit["items"]!.AsArray()[0]!["action"]!.GetValue<string>());

        var (_, current) = await _admin.GetWithETagAsync("api/v1/transport-agents/SubmissionHeaders");
        using (var reset = await _admin.SendJsonAsync(HttpMethod.Delete, "api/v1/transport-agents/SubmissionHeaders", ifMatch: current))
            Assert.Equal(HttpStatusCode.NoContent, reset.StatusCode);
        await WaitUntilAsync(async () => (await AgentsInWhatIfAsync()).Contains("Submission headers"));
        Assert.False((await _admin.GetOkAsync("api/v1/transport-agents/SubmissionHeaders"))["hasSettings"]!.GetValue<bool>());
    }

    [Fact]
    public async Task An_agent_can_be_turned_off_on_one_receive_connector()
    {
        var saved = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/transport-agents/SubmissionHeaders",
            new { enabled = true, disabledOnConnectors = new[] { "client frontend" } }, "*").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal(["Client Frontend"], saved["disabledOnConnectorNames"]!.AsArray().Select(n => n!.GetValue<string>()));
        await _admin.SendJsonAsync(HttpMethod.Delete, "api/v1/transport-agents/SubmissionHeaders", ifMatch: "*").ExpectAsync(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task Bad_settings_are_refused_next_to_the_field()
    {
        var relay = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/transport-agents/Relay", new { enabled = false }, "*").ExpectAsync((HttpStatusCode)422);
        Http.AssertFieldError(relay, "Enabled", "Relay and recipient check protects the server (no open relay, protocol limits) and cannot be turned off.");
        var timeout = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/transport-agents/SubmissionHeaders", new { timeoutMilliseconds = 5 }, "*").ExpectAsync((HttpStatusCode)422);
        Http.AssertFieldError(timeout, "TimeoutMilliseconds", "The time limit must be between 100 ms and 120 s.");
        var connector = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/transport-agents/SubmissionHeaders", new { disabledOnConnectors = new[] { "Nowhere" } }, "*").ExpectAsync((HttpStatusCode)422);
        Http.AssertFieldError(connector, "DisabledOnConnectors", "There is no receive connector named “Nowhere”.");
        await _admin.GetAsync("api/v1/transport-agents/NoSuchAgent").ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task View_only_may_read_but_not_change()
    {
        var created = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/api-keys", new { name = Http.Unique("viewer-"), role = AdminRoles.ViewOnly }).ExpectAsync(HttpStatusCode.Created);
        using var viewer = _server.Client(created["key"]!.GetValue<string>());
        await viewer.GetOkAsync("api/v1/transport-agents");
        await viewer.SendJsonAsync(HttpMethod.Put, "api/v1/transport-agents/SubmissionHeaders", new { enabled = false }, "*").ExpectAsync(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task The_cli_lists_sets_and_resets()
    {
        var list = await CliRun.AsAdminAsync(_server.BaseUrl, "agent", "list");
        list.AssertSucceeded();
        Assert.Contains("Relay and recipient check", list.Output);
        var move = await CliRun.AsAdminAsync(_server.BaseUrl, "agent", "set", "SubmissionHeaders", "--priority", "160", "--timeout-ms", "3000");
        move.AssertSucceeded();
        Assert.Equal(160, (await _admin.GetOkAsync("api/v1/transport-agents/SubmissionHeaders"))["priority"]!.GetValue<int>());
        var refused = await CliRun.AsAdminAsync(_server.BaseUrl, "agent", "set", "Relay", "--enabled", "false");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("cannot be turned off", refused.Output + refused.Error);
        var reset = await CliRun.AsAdminAsync(_server.BaseUrl, "agent", "reset", "SubmissionHeaders");
        reset.AssertSucceeded();
        Assert.Equal(150, (await _admin.GetOkAsync("api/v1/transport-agents/SubmissionHeaders"))["priority"]!.GetValue<int>());
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the engine did not pick up the change within 10 s");
            await Task.Delay(100);
        }
    }
}

public sealed class SqliteTransportAgentsApiTests(ServerPerClass servers)
    : TransportAgentsApiTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresTransportAgentsApiTests(ServerPerClass servers, PostgresFixture postgres)
    : TransportAgentsApiTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
