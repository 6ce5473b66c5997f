using System.Net;
using Mailflow.Data;
using Mailflow.Dmarc;
using Mailflow.TestSupport;
using Microsoft.Extensions.DependencyInjection;

namespace Mailflow.Api.Tests;

/// <summary>
/// GET /api/v1/dmarc-reports over stored aggregate reports, and the ARC and DMARC report switches of the
/// organization settings. Written once, run on both stores.
/// </summary>
public abstract class DmarcReportsApiTests(ServerPerClass servers, DatabaseProvider provider, PostgresFixture? postgres) : IAsyncLifetime
{
    private ApiServer _server = default!;
    private HttpClient _admin = default!;
    private string _domain = "";

    public async Task InitializeAsync()
    {
        _server = await servers.GetAsync(provider, postgres);
        _admin = _server.Client();
        _domain = Http.Unique("dmarc-") + ".test";
        var reports = _server.Services.GetRequiredService<DmarcReportService>();
        var now = DateTimeOffset.UtcNow;
        foreach (var (reporter, id, daysAgo, records) in new[]
                 {
                     ("google.com", "g-1", 2, new[] { ("198.51.100.20", 120L, true), ("203.0.113.66", 7L, false) }),
                     ("google.com", "g-2", 1, new[] { ("198.51.100.20", 80L, true), ("203.0.113.66", 3L, false) }),
                     ("outlook.com", "o-1", 60, new[] { ("192.0.2.1", 5L, false) }),
                 })
        {
            Assert.True(await reports.StoreReceivedAsync(new DmarcReceivedReport
            {
                Reporter = reporter, ReporterEmail = "noreply@" + reporter, ReportId = id + _domain, PolicyDomain = _domain,
                Begin = now.AddDays(-daysAgo - 1), End = now.AddDays(-daysAgo), ReceivedAt = now,
                Records = [.. records.Select(r => new DmarcReceivedRecord { SourceIp = r.Item1, Count = r.Item2, HeaderFrom = _domain, SpfAligned = r.Item3 ? "pass" : "fail" })],
            }));
        }
    }

    public Task DisposeAsync()
    {
        _admin.Dispose();
        return Task.CompletedTask;
    }

    [Fact]
    public async Task Sources_sum_the_reports_of_the_period_failures_first()
    {
        var result = await _admin.GetOkAsync($"api/v1/dmarc-reports?domain={_domain.ToUpperInvariant()}&days=30");

        var sources = result["sources"]!.AsArray();
        Assert.Equal(2, sources.Count);
        Assert.Equal(("203.0.113.66", "google.com", 10L, 0L, 10L),
            (sources[0]!["sourceIp"]!.GetValue<string>(), sources[0]!["reporter"]!.GetValue<string>(), sources[0]!["messages"]!.GetValue<long>(),
             sources[0]!["passed"]!.GetValue<long>(), sources[0]!["failed"]!.GetValue<long>()));
        Assert.Equal(("198.51.100.20", 200L, 200L), (sources[1]!["sourceIp"]!.GetValue<string>(), sources[1]!["messages"]!.GetValue<long>(), sources[1]!["passed"]!.GetValue<long>()));
        Assert.Equal(["g-2" + _domain, "g-1" + _domain], result["reports"]!.AsArray().Select(r => r!["reportId"]!.GetValue<string>()));

        var longer = await _admin.GetOkAsync($"api/v1/dmarc-reports?domain={_domain}&days=90");
        Assert.Equal(3, longer["sources"]!.AsArray().Count);
    }

    [Fact]
    public async Task A_report_is_stored_once_and_a_view_only_key_can_read()
    {
        var reports = _server.Services.GetRequiredService<DmarcReportService>();
        Assert.False(await reports.StoreReceivedAsync(new DmarcReceivedReport { Reporter = "google.com", ReportId = "g-1" + _domain, PolicyDomain = _domain }));

        var created = await _admin.SendJsonAsync(HttpMethod.Post, "api/v1/api-keys", new { name = Http.Unique("viewer-"), role = Mailflow.Identity.AdminRoles.ViewOnly })
            .ExpectAsync(HttpStatusCode.Created);
        using var viewer = _server.Client(created["key"]!.GetValue<string>());
        Assert.Equal(2, (await viewer.GetOkAsync($"api/v1/dmarc-reports?domain={_domain}"))["reports"]!.AsArray().Count);
    }

    [Fact]
    public async Task Arc_sealing_and_dmarc_report_settings_are_in_the_organization_settings_api_and_cli()
    {
        var (settings, etag) = await _admin.GetWithETagAsync("api/v1/organization-settings");
        Assert.True(settings["arcSealingEnabled"]!.GetValue<bool>());
        Assert.False(settings["dmarcReportsEnabled"]!.GetValue<bool>());

        settings["dmarcReportsMaxPerDay"] = 0;
        var problem = await _admin.SendJsonAsync(HttpMethod.Put, "api/v1/organization-settings", settings, etag).ExpectAsync(HttpStatusCode.UnprocessableEntity);
        Http.AssertFieldError(problem, "DmarcReportsMaxPerDay", "Send between 1 and 100,000 DMARC reports per day.");

        // The CLI sets them through the same API.
        (await CliRun.AsAdminAsync(_server.BaseUrl, "settings", "set", "--arc-sealing", "false", "--dmarc-reports", "true", "--set", "DmarcReportsMaxPerDay=50")).AssertSucceeded();
        var saved = await _admin.GetOkAsync("api/v1/organization-settings");
        Assert.Equal((false, true, 50), (saved["arcSealingEnabled"]!.GetValue<bool>(), saved["dmarcReportsEnabled"]!.GetValue<bool>(), saved["dmarcReportsMaxPerDay"]!.GetValue<int>()));
    }
}

public sealed class SqliteDmarcReportsApiTests(ServerPerClass servers)
    : DmarcReportsApiTests(servers, DatabaseProvider.Sqlite, null), IClassFixture<ServerPerClass>;

[Collection(PostgresCollection.Name)]
public sealed class PostgresDmarcReportsApiTests(ServerPerClass servers, PostgresFixture postgres)
    : DmarcReportsApiTests(servers, DatabaseProvider.Postgres, postgres), IClassFixture<ServerPerClass>;
