using Mailflow.Server.Transport.Tracking;
using Mailflow.Tracking;

namespace Mailflow.Server.Transport.Agents;

/// <summary>Where the receive session reports agents' decisions.</summary>
public interface IAgentDecisionLog
{
    /// <param name="queueId">The stored message's id; null for decisions about a message that was refused or not yet stored.</param>
    void Record(AgentSession session, AgentMessage? message, IReadOnlyList<AgentDecision> decisions, string? queueId);
}

/// <summary>
/// Agents' decisions as message-tracking events (kind Agent): one row per decision, naming the agent,
/// the event, the verdict and its reason, so an operator searching the trace for a sender or a
/// recipient also finds the SMTP-time refusals (a block-list hit, a DMARC reject) that never became a
/// queued message.
/// </summary>
public sealed class TrackingAgentDecisionLog(MessageTracker tracker) : IAgentDecisionLog
{
    public void Record(AgentSession session, AgentMessage? message, IReadOnlyList<AgentDecision> decisions, string? queueId)
    {
        foreach (var decision in decisions)
        {
            var recipients = decision.Recipient is { } one ? [one] : message?.Recipients.Select(r => r.Address).ToList() ?? [];
            tracker.Track(new MessageTrackingEvent
            {
                Kind = MessageTrackingEventKind.Agent,
                QueueId = queueId,
                Sender = message?.SenderAddress ?? "",
                Recipients = string.Join(", ", recipients),
                RecipientCount = recipients.Count,
                Connector = session.ConnectorName,
                RemoteHost = session.ClientAddress.ToString(),
                ReplyCode = decision.Verdict.Reply?.Code,
                Reply = decision.Verdict.Reply is { } reply ? $"{reply.Code} {reply.Enhanced} {reply.Text.Replace('\n', ' ')}" : null,
                Detail = $"{decision.Describe()} (session {session.SessionId})",
                Agent = decision.AgentDisplayName,
                Reason = decision.Verdict.Detail,
                SessionId = session.SessionId,
                Helo = session.HeloName,
            });
        }
    }
}
