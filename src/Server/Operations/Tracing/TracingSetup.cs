using OpenTelemetry.Exporter;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Mailflow.Server.Operations.Tracing;

/// <summary>Exports the "Mailflow" spans over OTLP when <c>Mailflow:Telemetry:OtlpEndpoint</c> is set (see <see cref="TelemetryOptions"/>).</summary>
public static class TracingSetup
{
    public static WebApplicationBuilder AddMailflowTracing(this WebApplicationBuilder builder)
    {
        var options = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new TelemetryOptions();
        if (string.IsNullOrWhiteSpace(options.OtlpEndpoint))
            return builder;
        if (!Uri.TryCreate(options.OtlpEndpoint, UriKind.Absolute, out var endpoint) || endpoint.Scheme is not ("http" or "https"))
            throw new InvalidOperationException($"{TelemetryOptions.Section}:OtlpEndpoint '{options.OtlpEndpoint}' is not an http(s) URL, e.g. http://otel-collector:4318.");
        var protocol = options.OtlpProtocol.Trim().ToLowerInvariant() switch
        {
            "" or "httpprotobuf" or "http/protobuf" => OtlpExportProtocol.HttpProtobuf,
            "grpc" => OtlpExportProtocol.Grpc,
            _ => throw new InvalidOperationException($"{TelemetryOptions.Section}:OtlpProtocol '{options.OtlpProtocol}' is neither HttpProtobuf nor Grpc."),
        };
        var node = builder.Configuration[$"{MailflowOptions.Section}:{nameof(MailflowOptions.NodeName)}"];
        builder.Services.AddOpenTelemetry().WithTracing(tracing => tracing
            .ConfigureResource(resource => resource.AddService("mailflow", serviceVersion: Mailflow.Cluster.BuildInfo.Current.Version,
                serviceInstanceId: string.IsNullOrWhiteSpace(node) ? Environment.MachineName.ToLowerInvariant() : node))
            .AddSource(MailflowTracing.SourceName)
            .AddOtlpExporter(otlp =>
            {
                otlp.Protocol = protocol;
                // With HTTP the exporter posts to the URL as given: add the signal's path as OTEL_EXPORTER_OTLP_ENDPOINT does.
                otlp.Endpoint = protocol == OtlpExportProtocol.HttpProtobuf && endpoint.AbsolutePath is "/" or ""
                    ? new Uri(endpoint, "/v1/traces")
                    : endpoint;
            }));
        return builder;
    }
}
