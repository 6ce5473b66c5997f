using Mailflow.Server.Operations.Alerts;
using Mailflow.Server.Operations.Health;
using Mailflow.Server.Operations.Logging;
using Mailflow.Server.Operations.Metrics;
using Mailflow.Server.Operations.Tracing;

namespace Mailflow.Server.Hosting;

/// <summary>What an operator's tooling talks to: health and readiness probes, metrics, the JSON console log (see docs/architecture.md "Operations").</summary>
public static class OperationsHostingExtensions
{
    public static WebApplicationBuilder AddOperations(this WebApplicationBuilder builder)
    {
        builder.AddJsonConsoleLoggingWhenAsked();
        builder.Services.AddMailflowHealthChecks();
        builder.AddMailflowMetrics();
        builder.AddMailflowTracing();
        builder.Services.AddAlerts(builder.Configuration);
        builder.Services.Configure<Operations.Retention.LogRetentionOptions>(builder.Configuration.GetSection(Operations.Retention.LogRetentionOptions.Section));
        builder.Services.AddSingleton<Operations.Retention.LogRetentionCleaner>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<Operations.Retention.LogRetentionCleaner>());
        return builder;
    }

    /// <summary>Early in the pipeline: the separate scrape address (if any) serves nothing else.</summary>
    public static WebApplication UseOperations(this WebApplication app)
    {
        app.UseMetricsListener();
        return app;
    }

    public static WebApplication MapOperations(this WebApplication app)
    {
        app.MapMailflowHealth();
        app.MapMailflowMetrics();
        return app;
    }
}
