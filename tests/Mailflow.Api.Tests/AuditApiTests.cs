using System.Net;
using Mailflow.Auditing;
using Mailflow.Data;
using Mailflow.TestSupport;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Api.Tests;

/// <summary>
/// The audit log over the API with a realistic history (hundreds of entries from several admins over weeks):
/// paging through everything, date and actor filters, sorting, and the CSV export. Written once, run on both stores.
/// </summary>
public abstract class AuditApiTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
{
    private static readonly DateTimeOffset Start = new(2026, 3, 1, 8, 0, 0, TimeSpan.Zero);
    private ApiServer _server = default!;
    private HttpClient _admin = default!;
    private string _prefix = "";

    public async Task InitializeAsync()
    {
        _server = await servers.GetAsync(provider, postgres);
        _admin = _server.Client();
        _prefix = Http.Unique("hist-");
        // 300 entries, one every 2 hours from 1 March, by three admins in turn; every tenth a failed sign-in.
        await using var db = await _server.Services.GetRequiredService<IDbContextFactory<MailflowDbContext>>().CreateDbContextAsync();
        for (var i = 0; i < 300; i++)
        {
            db.AuditEntries.Add(new AuditEntry
            {
                At = Start.AddHours(2 * i),
                Actor = $"{_prefix}-{(i % 3 == 0 ? "alice.longname-operations" : i % 3 == 1 ? "bob" : "carol")}",
                Action = i % 10 == 0 ? AuditAction.SignInFailed : AuditAction.Update,
                ObjectType = "SendConnector",
                ObjectId = Guid.NewGuid().ToString(),
                ObjectName = i % 10 == 0 ? "=HYPERLINK(\"http://evil.example\")" : $"{_prefix} relay to partner gateway number {i:D3}",
                Before = $$"""{"name":"relay {{i}}","port":25,"revision":{{i}}}""",
                After = $$"""{"name":"relay {{i}}","port":587,"revision":{{i + 1}}}""",
            });
        }
        await db.SaveChangesAsync();
    }

    public Task DisposeAsync()
    {
        _admin.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task List_PagesThroughEveryEntryOfAnActorBeyondTheOldLimitOf200()
    {
        var actor = Uri.EscapeDataString($"{_prefix}-bob");
        var seen = new HashSet<long>();
        for (var page = 1; page <= 3; page++)
        {
            var result = await _admin.GetOkAsync($"api/v1/audit?actor={actor}&pageSize=40&page={page}");
            Assert.Equal(100, result["total"]!.GetValue<int>());
            foreach (var item in result["items"]!.AsArray())
                Assert.True(seen.Add(item!["id"]!.GetValue<long>()));
        }
        Assert.Equal(100, seen.Count);
    }

    [Fact]
    public async Task List_WithADateRangeAndOldestFirst_ReturnsOnlyThatRangeInOrder()
    {
        var from = Uri.EscapeDataString(Start.AddDays(5).ToString("O"));
        var to = Uri.EscapeDataString(Start.AddDays(6).ToString("O"));
        var result = await _admin.GetOkAsync($"api/v1/audit?text={_prefix}&from={from}&to={to}&sort=OldestFirst&pageSize=100");

        var times = result["items"]!.AsArray().Select(e => e!["at"]!.GetValue<DateTimeOffset>()).ToList();
        Assert.Equal(12, result["total"]!.GetValue<int>()); // one every two hours for a day
        Assert.Equal(times.Order(), times);
        Assert.All(times, t => Assert.InRange(t, Start.AddDays(5), Start.AddDays(6).AddTicks(-1)));
    }

    [Fact]
    public async Task Export_ReturnsEveryMatchingEntryAsCsvWithIsoTimesChangedFieldsAndDefusedFormulas()
    {
        var actor = Uri.EscapeDataString($"{_prefix}-alice.longname-operations");
        using var response = await _admin.GetAsync($"api/v1/audit/export?actor={actor}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/csv", response.Content.Headers.ContentType?.MediaType);
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("time,actor,action,object_type,object_name,object_id,generation,changes,before,after", lines[0].TrimEnd('\r'));
        Assert.Equal(100, lines.Length - 1);
        Assert.StartsWith($"{Start.AddHours(2 * 297):yyyy-MM-ddTHH:mm:ss}.000Z,", lines[1]); // newest first
        Assert.Contains("Port: 25 → 587", lines[1]);
        Assert.DoesNotContain(lines, l => l.Contains(",=HYPERLINK", StringComparison.Ordinal));
        Assert.Contains(lines, l => l.Contains(",\"'=HYPERLINK(\"\"http://evil.example\"\")\",", StringComparison.Ordinal));
    }
}

public sealed class SqliteAuditApiTests(ServerPerClass servers)
    : AuditApiTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresAuditApiTests(ServerPerClass servers, PostgresFixture postgres)
    : AuditApiTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
