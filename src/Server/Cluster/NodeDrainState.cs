using Mailflow.Cluster;

namespace Mailflow.Server.Cluster;

/// <summary>
/// This node's drain phase in memory (<see cref="INodeDrainState"/>), set by the <see cref="NodeDrainController"/>.
/// <see cref="HandOver"/> is cancelled when draining begins: deliveries still waiting for a connection slot
/// give their messages back instead of starting, so another node sends them.
/// </summary>
public sealed class NodeDrainState : INodeDrainState
{
    private readonly Lock _lock = new();
    private volatile NodeDrainPhase _phase = NodeDrainPhase.Active;
    private CancellationTokenSource _handOver = new();

    public NodeDrainPhase Phase => _phase;

    /// <summary>Cancelled while the node drains: work not yet started is handed over.</summary>
    public CancellationToken HandOver
    {
        get
        {
            lock (_lock)
                return _handOver.Token;
        }
    }

    /// <summary>Raised after the phase changed.</summary>
    public event Action<NodeDrainPhase>? Changed;

    internal void Set(NodeDrainPhase phase)
    {
        CancellationTokenSource? cancel = null;
        lock (_lock)
        {
            if (_phase == phase)
                return;
            if (phase == NodeDrainPhase.Active)
            {
                _handOver.Dispose();
                _handOver = new CancellationTokenSource();
            }
            else if (!_handOver.IsCancellationRequested)
            {
                cancel = _handOver;
            }
            _phase = phase;
        }
        cancel?.Cancel();
        Changed?.Invoke(phase);
    }
}
