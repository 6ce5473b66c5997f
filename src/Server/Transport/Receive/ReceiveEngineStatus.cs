using Mailflow.Cluster;

namespace Mailflow.Server.Transport.Receive;

/// <summary>The running receive engine's session counts; zero while the engine is not started.</summary>
public sealed class ReceiveEngineStatus(ReceiveEngine engine) : IReceiveStatus
{
    public int ActiveSessions(Guid connectorId) => engine.Host?.ActiveSessionsFor(connectorId) ?? 0;
}
