using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Mailflow.Auditing;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mailflow.Api.Tests;

/// <summary>
/// Draining a node (maintenance mode) through the REST API and the CLI, seen on the wire: while draining
/// or drained, a new SMTP session gets <c>421 4.3.2</c> from the reply table and the <c>drain</c>
/// readiness check is Unhealthy; resumed, the banner and the check come back. Both requests are audited.
/// </summary>
public abstract class NodeDrainApiTests(DatabaseProvider provider, PostgresFixture? postgres)
{
    private const string Node = "node-api-tests";

    [Fact]
    public async Task Drain_RefusesNewSessionsWith421_ReportsDrained_AndResumeUndoesIt()
    {
        var smtpPort = FreePort.Get();
        await using var server = await ApiServer.StartAsync(provider, postgres, new Dictionary<string, string?>
        {
            ["Mailflow:Smtp:Enabled"] = "true",
            ["Mailflow:Seed:BindAddress"] = "127.0.0.1",
            ["Mailflow:Seed:DefaultFrontendPort"] = smtpPort.ToString(CultureInfo.InvariantCulture),
            ["Mailflow:Seed:ClientFrontendPort"] = FreePort.Get().ToString(CultureInfo.InvariantCulture),
            ["Mailflow:Seed:ImplicitTlsPort"] = FreePort.Get().ToString(CultureInfo.InvariantCulture),
        });
        using var admin = server.Client();
        Assert.StartsWith("220 ", await GreetingAsync(smtpPort));
        Assert.Equal(HealthStatus.Healthy, await ReadinessAsync(server));

        var drained = await admin.SendJsonAsync(HttpMethod.Post, $"api/v1/nodes/{Node}/drain").ExpectAsync(HttpStatusCode.OK);
        Assert.True(drained["drainRequested"]!.GetValue<bool>());
        await WaitForStateAsync(admin, "Drained");

        Assert.Equal("421 4.3.2 Service not available, node draining", await GreetingAsync(smtpPort));
        Assert.Equal(HealthStatus.Unhealthy, await ReadinessAsync(server));

        var list = await CliRun.AsAdminAsync(server.BaseUrl, "node", "list");
        list.AssertSucceeded();
        Assert.Matches($@"{Node}\s.*\sDrained\s", list.Output);

        var resume = await CliRun.AsAdminAsync(server.BaseUrl, "node", "resume", Node);
        resume.AssertSucceeded();
        Assert.Contains($"Node {Node} is asked to resume", resume.Output);
        await WaitForStateAsync(admin, "Active");
        Assert.StartsWith("220 ", await GreetingAsync(smtpPort));
        Assert.Equal(HealthStatus.Healthy, await ReadinessAsync(server));

        var drainAgain = await CliRun.AsAdminAsync(server.BaseUrl, "node", "drain", Node);
        drainAgain.AssertSucceeded();
        await WaitForStateAsync(admin, "Drained");

        await admin.SendJsonAsync(HttpMethod.Post, "api/v1/nodes/no-such-node/drain").ExpectAsync(HttpStatusCode.NotFound);

        await using var db = await server.Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        var audit = await db.AuditEntries.AsNoTracking().Where(e => e.ObjectType == "Node").OrderBy(e => e.Id).ToListAsync();
        Assert.Equal([AuditAction.Drain, AuditAction.Resume, AuditAction.Drain], audit.Select(e => e.Action));
        Assert.All(audit, e => Assert.Equal(Node, e.ObjectId));
    }

    /// <summary>The first line a new SMTP client reads.</summary>
    private static async Task<string> GreetingAsync(int port)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, port);
        using var reader = new StreamReader(client.GetStream(), Encoding.ASCII);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await reader.ReadLineAsync(timeout.Token) ?? "";
    }

    /// <summary>What a readiness probe over the checks tagged "ready" reports.</summary>
    private static async Task<HealthStatus> ReadinessAsync(ApiServer server)
    {
        var report = await server.Services.GetRequiredService<HealthCheckService>().CheckHealthAsync(c => c.Tags.Contains("ready"));
        Assert.Contains("drain", report.Entries.Keys);
        return report.Status;
    }

    private static async Task WaitForStateAsync(HttpClient admin, string state)
    {
        var deadline = DateTime.UtcNow.AddSeconds(15);
        JsonNode? node = null;
        while (DateTime.UtcNow < deadline)
        {
            var nodes = (await admin.GetOkAsync("api/v1/nodes")).AsArray();
            node = nodes.Single(n => n!["name"]!.GetValue<string>() == Node);
            if (node!["drainState"]!.GetValue<string>() == state)
                return;
            await Task.Delay(100);
        }
        Assert.Fail($"the node did not reach {state}: {node}");
    }
}

public sealed class SqliteNodeDrainApiTests() : NodeDrainApiTests(DatabaseProvider.Sqlite, null);

[Collection(PostgresCollection.Name)]
public sealed class PostgresNodeDrainApiTests(PostgresFixture postgres) : NodeDrainApiTests(DatabaseProvider.Postgres, postgres);
