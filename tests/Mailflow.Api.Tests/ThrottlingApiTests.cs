using System.Net;
using System.Text.Json.Nodes;
using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Security;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Api.Tests;

/// <summary>Rate limits through the REST API, the CLI and the configuration document: the limits, "who is throttled now" with reset, blocked senders with unblock.</summary>
public abstract class ThrottlingApiTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
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

    private T Get<T>() where T : notnull => _server.Services.GetRequiredService<T>();

    [Fact]
    public async Task Limits_AreValidatedSavedAndInTheConfigurationDocument()
    {
        var (settings, etag) = await _admin.GetWithETagAsync("api/v1/protection-settings");
        settings["rateLimits"]!["senderRecipientsPerHour"] = 0;
        var problem = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/protection-settings", settings, etag).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(problem, "RateLimits.SenderRecipientsPerHour", "Enter a number from 1 to 10,000,000, or leave it empty for no limit.");

        settings["rateLimits"]!["senderRecipientsPerHour"] = 500;
        settings["rateLimits"]!["blockSenderWhenLimitReached"] = true;
        await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/protection-settings", settings, etag).ExpectAsync(HttpStatusCode.OK);

        var document = (await _admin.GetOkAsync("api/v1/config/export")).AsObject();
        Assert.Equal(500, document["protection"]!["rateLimits"]!["senderRecipientsPerHour"]!.GetValue<int>());
        Assert.True(document["protection"]!["rateLimits"]!["blockSenderWhenLimitReached"]!.GetValue<bool>());

        (await CliRun.AsAdminAsync(_server.BaseUrl, "protection", "set", "--set", "RateLimits.ConnectionsPerIpPerMinute=30")).AssertSucceeded();
        Assert.Equal(30, (await _admin.GetOkAsync("api/v1/protection-settings"))["rateLimits"]!["connectionsPerIpPerMinute"]!.GetValue<int>());
    }

    [Fact]
    public async Task Counters_AreListedWithTimeUntilReset_AndAnAdminResetsOne()
    {
        var counters = Get<RateLimitCounters>();
        for (var i = 0; i < 3; i++)
            Assert.True(counters.TryTake(RateLimitKind.SenderRecipientsPerHour, 3, "mallory@contoso.test"));
        Assert.False(counters.TryTake(RateLimitKind.SenderRecipientsPerHour, 3, "mallory@contoso.test"));

        var listed = (await _admin.GetOkAsync("api/v1/throttling")).AsArray().Single(c => c!["key"]!.GetValue<string>() == "mallory@contoso.test")!;
        Assert.Equal("SenderRecipientsPerHour", listed["kind"]!.GetValue<string>());
        Assert.Equal("Recipients per sender per hour", listed["limit"]!.GetValue<string>());
        Assert.Equal((3, 3, true), (listed["used"]!.GetValue<int>(), listed["max"]!.GetValue<int>(), listed["throttled"]!.GetValue<bool>()));
        // One more recipient is allowed after an hour ÷ 3; the counter is back to zero after the whole hour.
        Assert.InRange(listed["nextAllowedInSeconds"]!.GetValue<int>(), 1100, 1200);
        Assert.InRange(listed["resetsInSeconds"]!.GetValue<int>(), 3500, 3600);
        Assert.Contains("mallory@contoso.test", (await CliRun.AsAdminAsync(_server.BaseUrl, "throttling", "list")).Output);

        var bad = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/throttling/reset", new { kind = "PerFortnight", key = "mallory@contoso.test" }).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("Name a rate limit", bad["errors"]!["kind"]![0]!.GetValue<string>());
        await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/throttling/reset", new { kind = "SenderRecipientsPerHour", key = "mallory@contoso.test" }).ExpectAsync(HttpStatusCode.NoContent);
        Assert.DoesNotContain((await _admin.GetOkAsync("api/v1/throttling")).AsArray(), c => c!["key"]!.GetValue<string>() == "mallory@contoso.test");
        await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/throttling/reset", new { kind = "SenderRecipientsPerHour", key = "mallory@contoso.test" }).ExpectAsync(HttpStatusCode.NotFound);

        Assert.True(counters.TryTake(RateLimitKind.ConnectionsPerIp, 1, "2001:db8:7::/64"));
        (await CliRun.AsAdminAsync(_server.BaseUrl, "throttling", "reset", "ConnectionsPerIp", "2001:db8:7::/64")).AssertSucceeded();
        Assert.True(counters.HasRoom(RateLimitKind.ConnectionsPerIp, 1, "2001:db8:7::/64"));

        await using var db = await Get<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        var audited = await db.AuditEntries.AsNoTracking().Where(a => a.ObjectType == "RateLimitCounter").Select(a => a.ObjectId).ToListAsync();
        Assert.Contains("SenderRecipientsPerHour:mallory@contoso.test", audited);
        Assert.Contains("ConnectionsPerIp:2001:db8:7::/64", audited);
    }

    [Fact]
    public async Task BlockedSenders_AreListed_AndUnblockedOnceWithAudit()
    {
        await Get<BlockedSenderService>().BlockAsync("Trudy@Contoso.test", "Recipients per sender per hour: 100");
        await Get<BlockedSenderService>().BlockAsync("trudy@contoso.test", "again, from another node");

        var blocked = (await _admin.GetOkAsync("api/v1/blocked-senders")).AsArray().Single(b => b!["userName"]!.GetValue<string>() == "trudy@contoso.test")!;
        Assert.Equal("Recipients per sender per hour: 100", blocked["reason"]!.GetValue<string>());
        Assert.Contains("trudy@contoso.test", (await CliRun.AsAdminAsync(_server.BaseUrl, "blocked-senders", "list")).Output);

        var id = blocked["id"]!.GetValue<string>();
        await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/blocked-senders/{id}", null).ExpectAsync(HttpStatusCode.NoContent);
        await _admin.SendJsonAsync(HttpMethod.Delete, $"api/v1/blocked-senders/{id}", null).ExpectAsync(HttpStatusCode.NotFound);
        Assert.DoesNotContain((await _admin.GetOkAsync("api/v1/blocked-senders")).AsArray(), b => b!["userName"]!.GetValue<string>() == "trudy@contoso.test");

        await Get<BlockedSenderService>().BlockAsync("eve@contoso.test", "Messages per sender per day: 10");
        (await CliRun.AsAdminAsync(_server.BaseUrl, "blocked-senders", "unblock", "eve@contoso.test")).AssertSucceeded();
        var missing = await CliRun.AsAdminAsync(_server.BaseUrl, "blocked-senders", "unblock", "eve@contoso.test");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("eve@contoso.test is not blocked.", missing.Output + missing.Error);

        await using var db = await Get<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        var audit = await db.AuditEntries.AsNoTracking().Where(a => a.ObjectType == nameof(BlockedSender)).ToListAsync();
        Assert.Contains(audit, a => a.Actor == "rate limit" && a.ObjectName == "trudy@contoso.test" && a.Action == Mailflow.Auditing.AuditAction.Create);
        Assert.Contains(audit, a => a.Actor != "rate limit" && a.ObjectName == "trudy@contoso.test" && a.Action == Mailflow.Auditing.AuditAction.Delete);
        Assert.Single(audit, a => a.ObjectName == "trudy@contoso.test" && a.Action == Mailflow.Auditing.AuditAction.Create);
    }
}

public sealed class SqliteThrottlingApiTests(ServerPerClass servers)
    : ThrottlingApiTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresThrottlingApiTests(ServerPerClass servers, PostgresFixture postgres)
    : ThrottlingApiTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
