using System.Text.Json;
using Mailflow.Server.Transport.Categorize;
using Mailflow.Server.Transport.Queue;
using Microsoft.AspNetCore.Diagnostics.HealthChecks;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace Mailflow.Server.Operations.Health;

/// <summary>
/// <c>/healthz</c> (live: the process answers HTTP; no check runs, so a slow store never gets a
/// healthy process restarted) and <c>/readyz</c> (ready for traffic: every health check tagged
/// <see cref="ReadyTag"/>). Both anonymous and cheap, for load balancers, orchestrators and the
/// packaging's HEALTHCHECK. Any part of the server adds a readiness condition with
/// <c>services.AddHealthChecks().AddCheck&lt;T&gt;("name", tags: [HealthEndpoints.ReadyTag])</c>.
/// </summary>
public static class HealthEndpoints
{
    public const string LivePath = "/healthz";
    public const string ReadyPath = "/readyz";
    /// <summary>Checks with this tag decide <c>/readyz</c>.</summary>
    public const string ReadyTag = "ready";

    /// <summary>A check that does not answer within this time counts as unhealthy (a store behind a dead network must not hang the probe).</summary>
    public static readonly TimeSpan CheckTimeout = TimeSpan.FromSeconds(5);

    public static IServiceCollection AddMailflowHealthChecks(this IServiceCollection services)
    {
        services.AddHealthChecks()
            .AddCheck<StoreHealthCheck>("store", tags: [ReadyTag], timeout: CheckTimeout)
            .AddCheck<ListenersHealthCheck>("listeners", tags: [ReadyTag], timeout: CheckTimeout)
            .AddTypeActivatedCheck<BackgroundServiceHealthCheck<QueueManager>>("queue-manager", failureStatus: null, tags: [ReadyTag], timeout: CheckTimeout, args: ["queue manager"])
            .AddTypeActivatedCheck<BackgroundServiceHealthCheck<Categorizer>>("categorizer", failureStatus: null, tags: [ReadyTag], timeout: CheckTimeout, args: ["categorizer"]);
        return services;
    }

    public static WebApplication MapMailflowHealth(this WebApplication app)
    {
        app.MapHealthChecks(LivePath, new HealthCheckOptions
        {
            Predicate = _ => false,
            ResponseWriter = WriteJsonAsync,
        }).AllowAnonymous();
        app.MapHealthChecks(ReadyPath, new HealthCheckOptions
        {
            Predicate = registration => registration.Tags.Contains(ReadyTag),
            ResponseWriter = WriteJsonAsync,
        }).AllowAnonymous();
        return app;
    }

    /// <summary>
    /// <c>{"status":"Unhealthy","durationMs":3.1,"checks":{"store":{"status":"Unhealthy","description":"…","durationMs":2.0}}}</c>;
    /// descriptions name the failing part, never a connection string or exception text (the endpoint is anonymous; the log has the detail).
    /// </summary>
    public static Task WriteJsonAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        context.Response.Headers.CacheControl = "no-store";
        var body = new HealthBody(
            report.Status.ToString(),
            Math.Round(report.TotalDuration.TotalMilliseconds, 1),
            report.Entries.ToDictionary(
                entry => entry.Key,
                entry => new HealthEntryBody(entry.Value.Status.ToString(), entry.Value.Description, Math.Round(entry.Value.Duration.TotalMilliseconds, 1))));
        return JsonSerializer.SerializeAsync(context.Response.Body, body, HealthJson.Default.HealthBody, context.RequestAborted);
    }
}

public sealed record HealthBody(string Status, double DurationMs, Dictionary<string, HealthEntryBody> Checks);

public sealed record HealthEntryBody(string Status, string? Description, double DurationMs);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(JsonSerializerDefaults.Web, DefaultIgnoreCondition = System.Text.Json.Serialization.JsonIgnoreCondition.WhenWritingNull)]
[System.Text.Json.Serialization.JsonSerializable(typeof(HealthBody))]
internal sealed partial class HealthJson : System.Text.Json.Serialization.JsonSerializerContext;
