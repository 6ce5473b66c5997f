namespace Mailflow.Cluster;

/// <summary>
/// The bindings this node's receive engine could not listen on after its last apply. The engine writes it;
/// the node registry heartbeat stores it (so the admin center of every node sees it) and the admin center of
/// this node reads it for the save confirmation. A plain holder, so the heartbeat need not depend on the engine.
/// </summary>
public sealed class ListenerBindReport
{
    private volatile IReadOnlyList<ListenerBindFailure> _failures = [];

    public IReadOnlyList<ListenerBindFailure> Failures => _failures;

    public void Report(IReadOnlyList<ListenerBindFailure> failures) => _failures = failures;
}
