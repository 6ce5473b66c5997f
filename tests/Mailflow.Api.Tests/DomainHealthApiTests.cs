using System.Net;
using System.Text.Json.Nodes;

namespace Mailflow.Api.Tests;

/// <summary>/api/v1/domains/{name}/health and 'mailflow domain health': a domain's DNS checks with the records to publish, checked now on request.</summary>
public sealed class DomainHealthApiTests(DiagnosticsServer fixture) : IClassFixture<DiagnosticsServer>
{
    private readonly HttpClient admin = fixture.Server.Client();

    private async Task<string> AcceptedDomainAsync()
    {
        var domain = Http.Unique("health-") + ".test";
        await admin.SendJsonAsync(HttpMethod.Post, "api/v1/accepted-domains", new { domainName = domain, type = "Authoritative" }).ExpectAsync(HttpStatusCode.Created);
        fixture.Zone.Mx(domain, 10, "mx." + domain).A("mx." + domain, "192.0.2.44")
            .Txt(domain, "v=spf1 mx -all");
        return domain;
    }

    private static JsonNode Check(JsonNode report, string id) => report["checks"]!.AsArray().Single(c => c!["id"]!.GetValue<string>() == id)!;

    [Fact]
    public async Task Get_checks_a_domain_never_checked_and_post_checks_again_with_the_records_to_publish()
    {
        var domain = await AcceptedDomainAsync();

        var report = await admin.GetOkAsync($"api/v1/domains/{domain}/health");
        Assert.Equal(domain, report["domain"]!.GetValue<string>());
        Assert.Equal("Fail", report["status"]!.GetValue<string>());
        Assert.Equal("Ok", Check(report, "mx")["status"]!.GetValue<string>());
        var dmarc = Check(report, "dmarc");
        Assert.Equal(("Fail", $"_dmarc.{domain}. TXT \"v=DMARC1; p=none; rua=mailto:dmarc@{domain}\""), (dmarc["status"]!.GetValue<string>(), dmarc["fixRecord"]!.GetValue<string>()));
        Assert.True(report["failing"]!.GetValue<int>() >= 1);

        fixture.Zone.Txt($"_dmarc.{domain}", $"v=DMARC1; p=reject; rua=mailto:dmarc@{domain}");
        var again = await admin.SendJsonAsync(HttpMethod.Post, $"api/v1/domains/{domain}/health/check").ExpectAsync(HttpStatusCode.OK);
        Assert.Equal("Ok", Check(again, "dmarc")["status"]!.GetValue<string>());
        var listed = (await admin.GetOkAsync("api/v1/domains/health")).AsArray();
        Assert.Contains(listed, r => r!["domain"]!.GetValue<string>() == domain);

        var missing = await admin.GetAsync("api/v1/domains/gmail.com/health").ExpectAsync(HttpStatusCode.NotFound);
        Assert.Contains("not an accepted domain", missing["detail"]!.GetValue<string>());
        await admin.SendJsonAsync(HttpMethod.Post, "api/v1/domains/gmail.com/health/check").ExpectAsync(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Cli_lists_domains_and_prints_each_problem_with_the_record_to_publish()
    {
        var domain = await AcceptedDomainAsync();

        var shown = await CliRun.AsAdminAsync(fixture.Server.BaseUrl, "domain", "health", domain, "--check");
        shown.AssertSucceeded();
        Assert.Contains($"{domain}: Fail", shown.Output);
        Assert.Contains("FAIL No DMARC record", shown.Output);
        Assert.Contains($"  Publish: _dmarc.{domain}. TXT \"v=DMARC1; p=none; rua=mailto:dmarc@{domain}\"", shown.Output);

        var list = await CliRun.AsAdminAsync(fixture.Server.BaseUrl, "domain", "health");
        list.AssertSucceeded();
        Assert.Contains(list.Output.Split('\n'), line => line.StartsWith(domain, StringComparison.Ordinal) && line.Contains("Fail", StringComparison.Ordinal));

        var refused = await CliRun.AsAdminAsync(fixture.Server.BaseUrl, "domain", "health", "--check");
        Assert.NotEqual(0, refused.ExitCode);
    }
}
