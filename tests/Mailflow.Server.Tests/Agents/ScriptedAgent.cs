using Mailflow.Configuration;
using Mailflow.Server.Transport.Agents;

namespace Mailflow.Server.Tests.Agents;

/// <summary>An agent whose answer per event is set by the test, recording the order it was called in.</summary>
public sealed class ScriptedAgent(string name, int priority, AgentEvents events = AgentEvents.Smtp) : ITransportAgent
{
    public string Name => name;
    public string DisplayName => $"{name} agent";
    public string Description => "scripted by a test";
    public AgentEvents Events => events;
    public int DefaultPriority => priority;
    public TimeSpan DefaultTimeout { get; init; } = TimeSpan.FromSeconds(5);
    public AgentFailurePolicy DefaultFailurePolicy { get; init; } = AgentFailurePolicy.TempFail;

    /// <summary>The verdict for every event, unless <see cref="Answer"/> is set.</summary>
    public AgentVerdict Verdict { get; set; } = AgentVerdict.Continue;
    public Func<AgentEvents, CancellationToken, ValueTask<AgentVerdict>>? Answer { get; set; }
    public List<string>? CallLog { get; init; }
    public Action<AgentMessage>? OnMessage { get; init; }

    private ValueTask<AgentVerdict> Decide(AgentEvents e, CancellationToken token)
    {
        CallLog?.Add($"{name}:{e}");
        return Answer?.Invoke(e, token) ?? new(Verdict);
    }

    public ValueTask<AgentVerdict> OnConnectAsync(AgentSession session, CancellationToken cancellationToken) => Decide(AgentEvents.Connect, cancellationToken);
    public ValueTask<AgentVerdict> OnHeloAsync(AgentSession session, CancellationToken cancellationToken) => Decide(AgentEvents.Helo, cancellationToken);
    public ValueTask<AgentVerdict> OnAuthAsync(AgentSession session, AgentAuthAttempt attempt, CancellationToken cancellationToken) => Decide(AgentEvents.Auth, cancellationToken);
    public ValueTask<AgentVerdict> OnMailFromAsync(AgentSession session, AgentMessage message, CancellationToken cancellationToken) => Decide(AgentEvents.MailFrom, cancellationToken);
    public ValueTask<AgentVerdict> OnRcptToAsync(AgentSession session, AgentMessage message, AgentRecipient recipient, CancellationToken cancellationToken) => Decide(AgentEvents.RcptTo, cancellationToken);

    public ValueTask<AgentVerdict> OnEndOfDataAsync(AgentSession session, AgentMessage message, AgentContent content, CancellationToken cancellationToken)
    {
        OnMessage?.Invoke(message);
        return Decide(AgentEvents.EndOfData, cancellationToken);
    }
}
