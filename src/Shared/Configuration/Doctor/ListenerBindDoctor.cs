using Mailflow.Cluster;

namespace Mailflow.Configuration.Doctor;

/// <summary>
/// The doctor's finding for listeners that nodes could not bind: the configuration is valid, but a connector
/// accepts no mail where the admin expects it. One finding per connector, naming each node and binding.
/// </summary>
public static class ListenerBindDoctor
{
    public const string Check = "listener-not-bound";

    public static IReadOnlyList<DoctorWarning> Examine(IEnumerable<NodeListenerFailure> failures) =>
        [.. failures
            .GroupBy(f => (f.Failure.ConnectorId, f.Failure.ConnectorName))
            .OrderBy(g => g.Key.ConnectorName, StringComparer.Ordinal)
            .Select(g => new DoctorWarning(DoctorSeverity.Critical, Check, g.Key.ConnectorName,
                $"{g.Key.ConnectorName} is not listening",
                $"{string.Join("; ", g.Select(f => $"Node {f.Node} could not listen on {f.Failure.Binding}: {f.Failure.Reason}"))}. "
                + "Clients cannot reach this connector there. Free the port (another program may hold it), pick another port or address, "
                + "or on ports below 1024 give Mailflow the right to bind them; the listener is tried again at the next saved change.",
                ConfigurationDoctor.ReceiveConnectorsPath))];
}
