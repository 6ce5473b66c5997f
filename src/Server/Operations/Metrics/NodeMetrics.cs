using Mailflow.Configuration;

namespace Mailflow.Server.Operations.Metrics;

/// <summary>Node-wide gauges: the configuration generation this node runs (compare it across nodes to see a change that has not arrived everywhere).</summary>
public static class NodeMetrics
{
    private static TransportConfigProvider? _config;

    static NodeMetrics()
    {
        MailflowMeter.Meter.CreateObservableGauge<long>("mailflow.config.generation",
            () => _config is { } config ? [new System.Diagnostics.Metrics.Measurement<long>(config.Current.Generation)] : Array.Empty<System.Diagnostics.Metrics.Measurement<long>>(),
            unit: "{generation}", description: "The configuration generation this node's engine runs.");
    }

    /// <summary>Called once at start-up with the node's live configuration.</summary>
    public static void Observe(TransportConfigProvider config) => _config = config;

    /// <summary>At shutdown: the gauge stops reading this node's configuration (unless another host took over).</summary>
    public static void Forget(TransportConfigProvider config) => Interlocked.CompareExchange(ref _config, null, config);
}
