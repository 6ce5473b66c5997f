using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Queue;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Tracking;

namespace Mailflow.Server.Transport.Categorize;

/// <summary>
/// The categorizer's side of the agent pipeline: runs the Categorized and Routed events for one stored
/// message (only when an agent on its receive connector listens to them, so the content is read only
/// then), records each decision as an Agent tracking event, and says what the deciding verdict was.
/// </summary>
internal sealed class PostStoreAgentRun(
    TransportAgentPipeline pipeline, TransportConfig snapshot, QueuedMessage message, AgentTags tags, QueueStore store, MessageTracker tracker)
{
    private const AgentEvents PostStore = AgentEvents.Categorized | AgentEvents.Routed;
    private readonly bool _any = pipeline.ActiveAgents(snapshot, message.ReceiveConnectorId).Any(a => (a.Agent.Events & PostStore) != 0);
    private AgentContent? _content;

    /// <returns>The final verdict (reject, discard or quarantine), or null when the message goes on.</returns>
    public async Task<AgentVerdict?> RunAsync(AgentEvents @event, IReadOnlyList<StoredRecipient> recipients, CancellationToken cancellationToken)
    {
        if (!_any)
            return null;
        _content ??= new AgentContent(message.Size, async ct => await store.LoadContentAsync(message.Id, ct)
            ?? throw new InvalidOperationException($"message {message.QueueId} has no content"));
        var context = new StoredMessageContext
        {
            QueueId = message.QueueId,
            Snapshot = snapshot,
            Sender = message.Sender,
            ReceiveConnectorName = message.ReceiveConnectorName,
            ClientAddress = message.ClientAddress,
            AuthenticatedAs = message.AuthenticatedAs,
            Tags = tags,
            Recipients = recipients,
            Content = _content,
        };
        var outcome = @event == AgentEvents.Categorized
            ? await pipeline.CategorizedAsync(context, message.ReceiveConnectorId, cancellationToken)
            : await pipeline.RoutedAsync(context, message.ReceiveConnectorId, cancellationToken);
        foreach (var decision in outcome.Decisions)
            tracker.Track(MessageTrackingEventKind.Agent, message, detail: decision.Describe());
        return outcome.Verdict.Kind is AgentVerdictKind.Reject or AgentVerdictKind.Discard or AgentVerdictKind.Quarantine ? outcome.Verdict : null;
    }

    /// <summary>How a post-store refusal reads in the recipients' status and the NDR.</summary>
    public static DeliveryResponse ResponseFor(AgentVerdict verdict) => verdict.Kind == AgentVerdictKind.Discard
        ? new DeliveryResponse("Deleted by a transport agent", 250)
        : new DeliveryResponse($"{(verdict.Reply ?? Mailflow.Smtp.SmtpReplies.PolicyRejected).Enhanced} {(verdict.Reply ?? Mailflow.Smtp.SmtpReplies.PolicyRejected).Text}", (verdict.Reply ?? Mailflow.Smtp.SmtpReplies.PolicyRejected).Code);
}
