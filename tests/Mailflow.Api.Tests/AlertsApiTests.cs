using System.Net;
using System.Text.Json.Nodes;
using Mailflow.Data;
using Mailflow.Operations.Alerts;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Api.Tests;

/// <summary>
/// Alerts and the operations settings through the REST API, the CLI and the configuration document of the real
/// server: active alerts and their history, thresholds saved and refused with the field's message, the webhook
/// secret write-only (never returned, exported or in the audit log), on both stores.
/// </summary>
public abstract class AlertsApiTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
{
    private const string Secret = "webhook-secret-for-api-tests-42";
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
    public async Task OperationsSettings_SaveThresholdsAndAWriteOnlySecret_InTheApiTheCliAndTheDocument()
    {
        var (settings, etag) = await _admin.GetWithETagAsync("api/v1/operations-settings");
        Assert.Equal(60, settings["alerts"]!["queueOldestMessageMinutes"]!.GetValue<int>());
        Assert.Equal(30, settings["logRetention"]!["trackingLogMaxAgeDays"]!.GetValue<int>());
        Assert.Equal(7, settings["logRetention"]!["completedMessageDays"]!.GetValue<int>());
        settings["alerts"]!["webhookUrl"] = "https://hooks.example.test/mailflow";
        settings["alerts"]!["notifyAddress"] = "ops@contoso.test";
        settings["webhookSecret"] = Secret;
        var saved = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/operations-settings", settings, etag).ExpectAsync(HttpStatusCode.OK);
        Assert.True(saved["hasWebhookSecret"]!.GetValue<bool>());
        Assert.DoesNotContain(Secret, saved.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain(Secret, (await _admin.GetOkAsync("api/v1/operations-settings")).ToJsonString(), StringComparison.Ordinal);

        var (current, currentTag) = await _admin.GetWithETagAsync("api/v1/operations-settings");
        current["alerts"]!["webhookUrl"] = "ftp://nowhere";
        current["alerts"]!["certificateExpiryDays"] = 999;
        // Completed messages cannot be kept for ever: 0 is refused with the field's message.
        current["logRetention"]!["completedMessageDays"] = 0;
        var refused = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/operations-settings", current, currentTag).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("1 to 3,650 days", refused["errors"]!["LogRetention.CompletedMessageDays"]![0]!.GetValue<string>());
        Assert.Contains("http:// or https://", refused["errors"]!["Alerts.WebhookUrl"]![0]!.GetValue<string>());
        Assert.Contains("365 days", refused["errors"]!["Alerts.CertificateExpiryDays"]![0]!.GetValue<string>());

        var cli = await MailflowAsync("alerts", "settings", "set", "--notify-address", "noc@contoso.test", "--set", "Alerts.QueueOldestMessageMinutes=15",
            "--set", "LogRetention.TrackingLogMaxAgeDays=14", "--set", "LogRetention.CompletedMessageDays=21");
        cli.AssertSucceeded();
        var shown = await MailflowAsync("alerts", "settings", "show");
        shown.AssertSucceeded();
        Assert.Contains("noc@contoso.test", shown.Output);
        Assert.DoesNotContain(Secret, shown.Output, StringComparison.Ordinal);
        var after = await _admin.GetOkAsync("api/v1/operations-settings");
        Assert.Equal(15, after["alerts"]!["queueOldestMessageMinutes"]!.GetValue<int>());
        Assert.Equal(14, after["logRetention"]!["trackingLogMaxAgeDays"]!.GetValue<int>());
        Assert.Equal(21, after["logRetention"]!["completedMessageDays"]!.GetValue<int>());
        var tooLong = await MailflowAsync("alerts", "settings", "set", "--set", "LogRetention.CompletedMessageDays=5000");
        Assert.Equal(1, tooLong.ExitCode);
        Assert.Contains("3,650 days", tooLong.Error);
        Assert.True(after["hasWebhookSecret"]!.GetValue<bool>());
        var badCli = await MailflowAsync("alerts", "settings", "set", "--notify-address", "not an address");
        Assert.Equal(1, badCli.ExitCode);
        Assert.Contains("is not an email address", badCli.Error);

        // The document carries the thresholds, never the secret; applying it back keeps the stored secret.
        var document = await _admin.GetOkAsync("api/v1/config/export?includeSecrets=true");
        Assert.Equal(15, document["operations"]!["alerts"]!["queueOldestMessageMinutes"]!.GetValue<int>());
        Assert.Equal(21, document["operations"]!["logRetention"]!["completedMessageDays"]!.GetValue<int>());
        Assert.DoesNotContain(Secret, document.ToJsonString(), StringComparison.Ordinal);
        Assert.DoesNotContain("webhookSecret", document.ToJsonString(), StringComparison.OrdinalIgnoreCase);
        document["operations"]!["alerts"]!["nextHopFailingMinutes"] = 45;
        await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/config/apply", document).ExpectAsync(HttpStatusCode.OK);
        var applied = await _admin.GetOkAsync("api/v1/operations-settings");
        Assert.Equal(45, applied["alerts"]!["nextHopFailingMinutes"]!.GetValue<int>());
        Assert.True(applied["hasWebhookSecret"]!.GetValue<bool>());
        document["operations"]!["logRetention"]!["protocolLogMaxAgeDays"] = -1;
        var plan = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/config/apply", document).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("operations", plan.ToJsonString(), StringComparison.Ordinal);

        var audit = await _admin.GetOkAsync("api/v1/audit?objectType=OperationsSettings");
        Assert.DoesNotContain(Secret, audit.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Alerts_ListActiveFirstThenHistory_InTheApiAndTheCli()
    {
        var dbFactory = _server.Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>();
        var subject = Http.Unique("queue-");
        await using (var db = await dbFactory.CreateDbContextAsync())
        {
            var now = DateTimeOffset.UtcNow;
            db.Alerts.Add(new AlertRecord
            {
                Kind = AlertKind.QueueAge, Subject = subject, ActiveKey = AlertRecord.KeyOf(AlertKind.QueueAge, subject), Severity = AlertSeverity.Warning,
                Text = $"The oldest message in the queue \"{subject}\" has waited 2 hours (the limit is 60 minutes).", Details = "3 messages",
                // Owned by another node: this server's evaluator (which does not see the cause) leaves it active.
                Node = "node-elsewhere", RaisedAt = now.AddHours(-1), LastSeenAt = now,
            });
            db.Alerts.Add(new AlertRecord
            {
                Kind = AlertKind.NodeHeartbeatMissing, Subject = subject + "-node", Severity = AlertSeverity.Critical,
                Text = "Node gone.", Details = "", RaisedAt = now.AddHours(-3), LastSeenAt = now.AddHours(-2), ClearedAt = now.AddHours(-2),
            });
            await db.SaveChangesAsync();
        }

        var active = (await _admin.GetOkAsync("api/v1/alerts")).AsArray();
        var alert = active.Single(a => a!["subject"]!.GetValue<string>() == subject)!;
        Assert.Equal("QueueAge", alert["kind"]!.GetValue<string>());
        Assert.Equal("queue_age", alert["label"]!.GetValue<string>());
        Assert.Equal("/queues", alert["fixPath"]!.GetValue<string>());
        Assert.Equal("Old message in a queue", alert["title"]!.GetValue<string>());
        var history = (await _admin.GetOkAsync("api/v1/alerts/history?limit=50")).AsArray();
        Assert.Contains(history, a => a!["subject"]!.GetValue<string>() == subject + "-node" && a["clearedAt"] is not null);
        Assert.DoesNotContain(history, a => a!["subject"]!.GetValue<string>() == subject);

        var cli = await MailflowAsync("alerts");
        cli.AssertSucceeded();
        Assert.Contains(subject, cli.Output);
        Assert.Contains("/queues", cli.Output);
        var cliHistory = await MailflowAsync("alerts", "history");
        cliHistory.AssertSucceeded();
        Assert.Contains(subject + "-node", cliHistory.Output);
    }
}

public sealed class SqliteAlertsApiTests(ServerPerClass servers)
    : AlertsApiTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresAlertsApiTests(ServerPerClass servers, PostgresFixture postgres)
    : AlertsApiTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
