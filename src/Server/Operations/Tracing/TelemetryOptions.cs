namespace Mailflow.Server.Operations.Tracing;

/// <summary>
/// <c>Mailflow:Telemetry</c>: where the node sends its OpenTelemetry traces (<see cref="MailflowTracing"/>). Nothing
/// is traced or sent while <see cref="OtlpEndpoint"/> is empty.
/// </summary>
public sealed class TelemetryOptions
{
    public const string Section = "Mailflow:Telemetry";

    /// <summary>
    /// The OTLP collector, e.g. <c>http://otel-collector:4318</c> (OTLP/HTTP, traces posted to <c>/v1/traces</c>) or
    /// <c>http://otel-collector:4317</c> with <see cref="OtlpProtocol"/> <c>Grpc</c>. Empty = no traces.
    /// </summary>
    public string OtlpEndpoint { get; set; } = "";

    /// <summary><c>HttpProtobuf</c> (default) or <c>Grpc</c>.</summary>
    public string OtlpProtocol { get; set; } = "HttpProtobuf";
}
