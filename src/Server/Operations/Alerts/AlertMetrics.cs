using System.Diagnostics.Metrics;
using Mailflow.Operations.Alerts;
using Mailflow.Server.Operations.Metrics;

namespace Mailflow.Server.Operations.Alerts;

/// <summary><c>mailflow_alerts_active{alert=…}</c>: active alerts per kind, organization-wide, as the last evaluation counted them (0 for a kind without any).</summary>
public static class AlertMetrics
{
    private static volatile IReadOnlyDictionary<AlertKind, int>? _active;

    static AlertMetrics()
    {
        MailflowMeter.Meter.CreateObservableGauge("mailflow.alerts.active", Observe,
            unit: "{alert}", description: "Active alerts per kind (Operations › Alerts in the admin center).");
    }

    /// <summary>After each evaluation.</summary>
    public static void Set(IReadOnlyDictionary<AlertKind, int> active) => _active = active;

    private static IEnumerable<Measurement<int>> Observe()
    {
        if (_active is not { } active)
            yield break;
        foreach (var kind in Enum.GetValues<AlertKind>())
            yield return new Measurement<int>(active.GetValueOrDefault(kind), new KeyValuePair<string, object?>("alert", AlertKinds.MetricLabel(kind)));
    }
}
