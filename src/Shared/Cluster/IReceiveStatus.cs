namespace Mailflow.Cluster;

/// <summary>Live receive-side state of this node, for the admin center (the engine lives in the server; pages only read).</summary>
public interface IReceiveStatus
{
    /// <summary>SMTP sessions running right now on this node through the given receive connector.</summary>
    int ActiveSessions(Guid connectorId);

    /// <summary>Bindings this node's listeners could not bind at the last configuration they applied.</summary>
    IReadOnlyList<ListenerBindFailure> BindFailures { get; }

    /// <summary>
    /// Waits until this node's listeners run <paramref name="generation"/> (or a later one); false when they
    /// did not within <paramref name="timeout"/> (or the engine does not run).
    /// </summary>
    Task<bool> WaitForAppliedAsync(long generation, TimeSpan timeout, CancellationToken cancellationToken);
}
