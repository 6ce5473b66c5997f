namespace Mailflow.Cluster;

/// <summary>Live receive-side state of this node, for the admin center (the engine lives in the server; pages only read).</summary>
public interface IReceiveStatus
{
    /// <summary>SMTP sessions running right now on this node through the given receive connector.</summary>
    int ActiveSessions(Guid connectorId);
}
