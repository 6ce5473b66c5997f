using Mailflow.Configuration;
using Mailflow.Identity;
using Mailflow.Server.Api.Authentication;
using Mailflow.Server.Operations.Health;
using Mailflow.Server.Transport.Queue;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;

namespace Mailflow.Server.Operations.Metrics;

/// <summary>
/// <c>/metrics</c> in the Prometheus text format, from OpenTelemetry's meter provider over the "Mailflow"
/// meter (<see cref="MailflowMeter"/>) and .NET's own "System.Runtime" meter (GC, thread pool, memory).
/// Who may scrape: see <see cref="MetricsOptions"/>.
/// </summary>
public static class MetricsEndpoint
{
    public const string Path = "/metrics";
    public const string Policy = "Mailflow.Metrics";

    public static WebApplicationBuilder AddMailflowMetrics(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        builder.Services.Configure<MetricsOptions>(builder.Configuration.GetSection(MetricsOptions.Section));
        builder.Services.AddSingleton<QueueDepthSampler>();
        if (!options.Enabled)
            return builder;
        var listenPort = options.ListenPort;
        if (listenPort is not null)
        {
            // The scrape address joins the admin center's addresses.
            var urls = builder.Configuration["urls"];
            builder.WebHost.UseUrls(string.IsNullOrWhiteSpace(urls) ? [options.ListenUrl] : [.. urls.Split(';', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries), options.ListenUrl]);
        }
        var node = builder.Configuration[$"{MailflowOptions.Section}:{nameof(MailflowOptions.NodeName)}"];
        builder.Services.AddOpenTelemetry()
            .ConfigureResource(resource => resource.AddService("mailflow", serviceVersion: Mailflow.Cluster.BuildInfo.Current.Version,
                serviceInstanceId: string.IsNullOrWhiteSpace(node) ? Environment.MachineName.ToLowerInvariant() : node))
            .WithMetrics(metrics => metrics
                .AddMeter(MailflowMeter.Name, "System.Runtime")
                .AddPrometheusExporter());
        builder.Services.AddAuthorizationBuilder().AddPolicy(Policy, policy => policy
            .AddAuthenticationSchemes(ApiAuthentication.Scheme)
            .RequireAssertion(context =>
                options.AllowAnonymous
                || (listenPort is { } port && context.Resource is HttpContext http && http.Connection.LocalPort == port)
                || (context.User.Identity?.IsAuthenticated == true
                    && AdminRoles.All.Any(context.User.IsInRole)
                    && !context.User.HasClaim(claim => claim.Type == Admin.Web.Identity.AdminClaims.MustChangePassword))));
        return builder;
    }

    /// <summary>Before routing: the scrape address serves the scrape and the probes, nothing of the admin center.</summary>
    public static WebApplication UseMetricsListener(this WebApplication app)
    {
        var options = app.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        if (!options.Enabled || options.ListenPort is not { } port)
            return app;
        app.Use((context, next) =>
        {
            if (context.Connection.LocalPort != port)
                return next(context);
            var path = context.Request.Path;
            if (path.Equals(Path, StringComparison.OrdinalIgnoreCase) || path.Equals(HealthEndpoints.LivePath, StringComparison.OrdinalIgnoreCase)
                || path.Equals(HealthEndpoints.ReadyPath, StringComparison.OrdinalIgnoreCase))
                return next(context);
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        return app;
    }

    public static WebApplication MapMailflowMetrics(this WebApplication app)
    {
        // The gauges read this node's live state (static instruments, see MailflowMeter).
        var config = app.Services.GetRequiredService<TransportConfigProvider>();
        var sampler = app.Services.GetRequiredService<QueueDepthSampler>();
        NodeMetrics.Observe(config);
        QueueMetrics.Observe(sampler);
        app.Lifetime.ApplicationStopping.Register(() =>
        {
            NodeMetrics.Forget(config);
            QueueMetrics.Forget(sampler);
        });
        var options = app.Configuration.GetSection(MetricsOptions.Section).Get<MetricsOptions>() ?? new MetricsOptions();
        if (options.Enabled)
            app.MapPrometheusScrapingEndpoint(Path).RequireAuthorization(Policy);
        return app;
    }
}
