using System.Collections.Concurrent;
using Mailflow.Server.Transport.Agents;

namespace Mailflow.Server.Tests.Receive.Fakes;

/// <summary>Collects the agents' decisions as the message trace would receive them.</summary>
public sealed class RecordingDecisionLog : IAgentDecisionLog
{
    public ConcurrentQueue<AgentDecision> Decisions { get; } = new();

    public void Record(AgentSession session, AgentMessage? message, IReadOnlyList<AgentDecision> decisions, string? queueId)
    {
        foreach (var decision in decisions)
            Decisions.Enqueue(decision);
    }
}
