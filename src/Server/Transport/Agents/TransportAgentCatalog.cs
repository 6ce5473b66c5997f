using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Agents;

/// <summary>The registered agents as the settings service, the admin center and the API describe them.</summary>
public sealed class TransportAgentCatalog(TransportAgentPipeline pipeline) : ITransportAgentCatalog
{
    private readonly Lazy<IReadOnlyList<TransportAgentInfo>> _agents = new(() =>
    [
        .. pipeline.Agents.Select(a => new TransportAgentInfo(
            a.Name, a.DisplayName, a.Description, EventNames(a.Events), a.DefaultPriority, a.CanBeDisabled,
            (int)a.DefaultTimeout.TotalMilliseconds, a.DefaultFailurePolicy)),
    ]);

    public IReadOnlyList<TransportAgentInfo> Agents => _agents.Value;

    /// <summary>The events in the order a message meets them, in the words the trace uses.</summary>
    public static IReadOnlyList<string> EventNames(AgentEvents events) =>
    [
        .. new (AgentEvents Event, string Name)[]
        {
            (AgentEvents.Connect, "connect"), (AgentEvents.Helo, "HELO"), (AgentEvents.Auth, "AUTH"), (AgentEvents.MailFrom, "MAIL FROM"),
            (AgentEvents.RcptTo, "RCPT TO"), (AgentEvents.EndOfData, "end of data"), (AgentEvents.Categorized, "categorized"), (AgentEvents.Routed, "routed"),
        }.Where(e => events.HasFlag(e.Event)).Select(e => e.Name),
    ];
}
