using Mailflow.DomainHealth;

namespace Mailflow.Server.Api;

/// <summary>One check of a domain as the API shows it, with the record to publish as one zone-file line.</summary>
public sealed record DomainHealthCheckResource(
    string Id, string Area, string Title, DomainHealthStatus Status, string Summary, string? Found, string? FixName, string? FixType, string? FixValue, string? FixRecord)
{
    public static DomainHealthCheckResource From(DomainHealthCheck c) =>
        new(c.Id, c.Area, c.Title, c.Status, c.Summary, c.Found, c.FixName, c.FixType, c.FixValue, c.FixRecord);
}

/// <summary>The newest health report of an accepted domain.</summary>
/// <param name="Status">The worst check: Ok, Warn or Fail.</param>
public sealed record DomainHealthResource(string Domain, DomainHealthStatus Status, DateTimeOffset CheckedAt, string CheckedBy, int Failing, int Warnings, IReadOnlyList<DomainHealthCheckResource> Checks)
{
    public static DomainHealthResource From(DomainHealthReport r) =>
        new(r.Domain, r.Status, r.CheckedAt, r.CheckedBy, r.Count(DomainHealthStatus.Fail), r.Count(DomainHealthStatus.Warn), [.. r.Checks.Select(DomainHealthCheckResource.From)]);
}

/// <summary>/api/v1/domains/{name}/health: the DNS health of each accepted domain (MX, SPF, DKIM, DMARC, MTA-STS, TLS-RPT, reverse DNS).</summary>
public static class DomainHealthApi
{
    private static string NotAccepted(string name) => $"{name} is not an accepted domain.";

    public static RouteGroupBuilder MapDomainHealthApi(this RouteGroupBuilder api)
    {
        var group = api.MapGroup("/domains").WithTags("Domain health");

        group.MapGet("/health", async (DomainHealthService reports, CancellationToken ct) =>
                (await reports.ListAsync(ct)).Select(DomainHealthResource.From).ToList())
            .WithName("ListDomainHealth").WithSummary("The newest health report of every accepted domain that has been checked (re-checked periodically, Mailflow:DomainHealth:CheckIntervalMinutes)");

        group.MapGet("/{name}/health", async Task<IResult> (string name, DomainHealthService reports, IDomainHealthChecker checker, CancellationToken ct) =>
            {
                if (await reports.GetAsync(name, ct) is { } stored)
                    return TypedResults.Ok(DomainHealthResource.From(stored));
                // Never checked yet (a domain added since the last round): check it now.
                return await checker.CheckNowAsync(name, ct) is { } report
                    ? TypedResults.Ok(DomainHealthResource.From(report))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", NotAccepted(name));
            })
            .WithName("GetDomainHealth").WithSummary("The newest health report of one accepted domain: each check ok, warn or fail, with the exact record to publish or fix")
            .Produces<DomainHealthResource>().ProducesProblem(StatusCodes.Status404NotFound);

        group.MapPost("/{name}/health/check", async Task<IResult> (string name, IDomainHealthChecker checker, CancellationToken ct) =>
                await checker.CheckNowAsync(name, ct) is { } report
                    ? TypedResults.Ok(DomainHealthResource.From(report))
                    : ApiResults.Problem(StatusCodes.Status404NotFound, "Not found", NotAccepted(name)))
            .WithName("CheckDomainHealth").WithSummary("Check the domain's DNS now (uncached answers) and store the report")
            .Produces<DomainHealthResource>().ProducesProblem(StatusCodes.Status404NotFound);
        return api;
    }
}
