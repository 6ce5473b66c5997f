using System.Net;
using Mailflow.Server.Transport.Receive.Policy;

namespace Mailflow.Server.Transport.Receive.Hosting;

/// <summary>
/// Counts open sessions per connector, in total and per source address (Exchange's
/// MaxInboundConnection / MaxInboundConnectionPerSource). Over either limit the connection gets
/// <c>421 4.7.0</c>. Limits are read from the policy at each acquire, so edits apply to new connections.
/// </summary>
public sealed class ConnectionLimiter
{
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, Counts> _byConnector = [];

    private sealed class Counts
    {
        public int Total;
        public readonly Dictionary<IPAddress, int> PerSource = [];
    }

    public bool TryAcquire(ReceivePolicy policy, IPAddress source)
    {
        source = Normalize(source);
        lock (_lock)
        {
            if (!_byConnector.TryGetValue(policy.ConnectorId, out var counts))
                _byConnector[policy.ConnectorId] = counts = new Counts();
            counts.PerSource.TryGetValue(source, out var fromSource);
            if (counts.Total >= policy.MaxInboundConnections || fromSource >= policy.MaxInboundConnectionsPerSource)
                return false;
            counts.Total++;
            counts.PerSource[source] = fromSource + 1;
            return true;
        }
    }

    public void Release(ReceivePolicy policy, IPAddress source)
    {
        source = Normalize(source);
        lock (_lock)
        {
            if (!_byConnector.TryGetValue(policy.ConnectorId, out var counts))
                return;
            counts.Total--;
            if (counts.PerSource.TryGetValue(source, out var fromSource))
            {
                if (fromSource <= 1)
                    counts.PerSource.Remove(source);
                else
                    counts.PerSource[source] = fromSource - 1;
            }
            if (counts.Total <= 0)
                _byConnector.Remove(policy.ConnectorId);
        }
    }

    private static IPAddress Normalize(IPAddress address) => address.IsIPv4MappedToIPv6 ? address.MapToIPv4() : address;
}
