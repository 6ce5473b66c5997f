using Mailflow.Server.Operations.Health;

namespace Mailflow.Server.Hosting;

/// <summary>What an operator's tooling talks to: health and readiness probes (see docs/architecture.md "Operations").</summary>
public static class OperationsHostingExtensions
{
    public static WebApplicationBuilder AddOperations(this WebApplicationBuilder builder)
    {
        builder.Services.AddMailflowHealthChecks();
        return builder;
    }

    public static WebApplication MapOperations(this WebApplication app)
    {
        app.MapMailflowHealth();
        return app;
    }
}
