using System.Diagnostics;
using Mailflow.Queue;

namespace Mailflow.Server.Operations.Tracing;

/// <summary>
/// The node's one <see cref="ActivitySource"/> ("Mailflow") and the names of its spans along a message's path:
/// <c>smtp.session</c> › <c>smtp.transaction</c> (end of data to the reply) › <c>agents.&lt;event&gt;</c> and
/// <c>store.commit</c>; later, on whichever node claims the message, <c>categorize</c> › <c>route</c>, and one
/// <c>delivery</c> per next hop and attempt. The store is the hop between them: the receiving span's W3C
/// <c>traceparent</c> is stored with the message (<see cref="MessageTagNames.TraceParent"/>), and the later spans
/// start new traces that link back to it (a message may wait hours; a parent would keep one trace open that long).
/// Attributes are the ids the logs already carry (session id, connector, queue id, Message-ID, next hop name),
/// never an address or a secret. With no listener (no <c>Mailflow:Telemetry:OtlpEndpoint</c>) every start
/// returns null and costs a check.
/// </summary>
public static class MailflowTracing
{
    public const string SourceName = "Mailflow";

    public static readonly ActivitySource Source = new(SourceName, Mailflow.Cluster.BuildInfo.Current.Version);

    public static class Spans
    {
        public const string Session = "smtp.session";
        public const string Transaction = "smtp.transaction";
        public const string AgentsPrefix = "agents.";
        public const string StoreCommit = "store.commit";
        public const string Categorize = "categorize";
        public const string Route = "route";
        public const string Delivery = "delivery";
    }

    public static class Attributes
    {
        public const string SessionId = "mailflow.session_id";
        public const string Connector = "mailflow.connector";
        public const string QueueId = "mailflow.queue_id";
        public const string MessageId = "mailflow.message_id";
        public const string NextHop = "mailflow.next_hop";
        public const string AgentEvent = "mailflow.agent.event";
        public const string AgentVerdict = "mailflow.agent.verdict";
        public const string Recipients = "mailflow.recipients";
        public const string Outcome = "mailflow.outcome";
    }

    /// <summary>The traceparent to store with a message committed now: the current span of ours, else none.</summary>
    public static string? CurrentTraceParent() =>
        Activity.Current is { IdFormat: ActivityIdFormat.W3C } current && current.Source == Source ? current.Id : null;

    /// <summary>A span of the stored message's later life, linked to the span that received it.</summary>
    public static Activity? StartForStoredMessage(string name, QueuedMessage message)
    {
        if (!Source.HasListeners())
            return null;
        var traceParent = MessageTags.Parse(message.AgentTags).GetValueOrDefault(MessageTagNames.TraceParent);
        ActivityLink[]? links = traceParent is not null && ActivityContext.TryParse(traceParent, null, out var received)
            ? [new ActivityLink(received)]
            : null;
        // A root of its own (not the categorizer's or queue manager's loop, whatever is current).
        var previous = Activity.Current;
        Activity.Current = null;
        try
        {
            var activity = Source.StartActivity(name, ActivityKind.Internal, parentContext: default, links: links);
            activity?.SetTag(Attributes.QueueId, message.QueueId);
            if (message.MessageIdHeader is { Length: > 0 } messageId)
                activity?.SetTag(Attributes.MessageId, messageId);
            return activity;
        }
        finally
        {
            if (Activity.Current is null)
                Activity.Current = previous;
        }
    }
}
