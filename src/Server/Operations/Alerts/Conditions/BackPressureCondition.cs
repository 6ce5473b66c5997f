using Mailflow.Cluster;
using Mailflow.Operations.Alerts;

namespace Mailflow.Server.Operations.Alerts.Conditions;

/// <summary>This node's resource monitor says Medium or High: new mail is refused (452 4.3.1).</summary>
public sealed class BackPressureCondition(IServiceProvider services) : IAlertCondition
{
    public IReadOnlyList<AlertKind> Kinds { get; } = [AlertKind.BackPressure];

    public Task<IReadOnlyList<AlertObservation>> ObserveAsync(AlertContext context, CancellationToken cancellationToken)
    {
        if (!context.Settings.BackPressureEnabled || services.GetService<IBackPressureStatus>() is not { } status
            || status.Current is not { Level: not BackPressureLevel.Normal } state)
            return Task.FromResult<IReadOnlyList<AlertObservation>>([]);
        var who = state.Level == BackPressureLevel.High ? "every sender" : "anonymous senders";
        return Task.FromResult<IReadOnlyList<AlertObservation>>([new AlertObservation(AlertKind.BackPressure, context.NodeName,
            state.Level == BackPressureLevel.High ? AlertSeverity.Critical : AlertSeverity.Warning,
            $"Node {context.NodeName} is under back pressure ({state.Level}) since {state.Since:u}: it refuses new mail from {who} with 452 4.3.1.",
            state.Why, NodeScoped: true)]);
    }
}
