using Mailflow.Cluster;

namespace Mailflow.Server.Transport.Receive;

/// <summary>The running receive engine's session counts and bind results; zero and none while the engine is not started.</summary>
public sealed class ReceiveEngineStatus(ReceiveEngine engine, ListenerBindReport bindReport) : IReceiveStatus
{
    public int ActiveSessions(Guid connectorId) => engine.Host?.ActiveSessionsFor(connectorId) ?? 0;

    public IReadOnlyList<ListenerBindFailure> BindFailures => bindReport.Failures;

    public async Task<bool> WaitForAppliedAsync(long generation, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (engine.Host is null)
            return false;
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        limit.CancelAfter(timeout);
        try
        {
            await engine.WaitForAppliedAsync(generation, limit.Token);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return false;
        }
    }
}
