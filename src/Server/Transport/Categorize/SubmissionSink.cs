using Mailflow.Configuration;
using Mailflow.Server.Transport.Categorize.TransportRules;
using Mailflow.Server.Transport.Queue;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Smtp;
using Mailflow.Tracking;
using MimeKit;

namespace Mailflow.Server.Transport.Categorize;

/// <summary>
/// What the receive session hands messages to: the store sink, with three jobs around it.
/// <list type="bullet">
/// <item>Mail flow rules that reject or silently delete are evaluated at the end of DATA, before the
/// 250 (issue 4): a rejected sender gets the rule's 5xx during the SMTP transaction and we never send
/// an NDR as backscatter; a deleted message is acknowledged and dropped. Only when the live
/// configuration has such an enabled, enforced rule is a copy of the message kept to parse;
/// everything else the rules do happens in the <see cref="Categorizer"/>.</item>
/// <item>A RECEIVE tracking event per committed message.</item>
/// <item>The categorizer's doorbell is rung after each commit.</item>
/// </list>
/// </summary>
public sealed partial class SubmissionSink(
    StoreMessageSink store,
    TransportConfigProvider config,
    TransportRuleEvaluator evaluator,
    QueueIdGenerator queueIds,
    SubmissionSignal submissions,
    MessageTracker tracker,
    SmtpRefusalRecorder refusals,
    ILogger<SubmissionSink> logger) : IMessageSink
{
    private SmtpRefusalRecorder Refusals => refusals;
    private TransportRuleEvaluator Evaluator => evaluator;
    private QueueIdGenerator QueueIds => queueIds;
    private ILogger Logger => logger;

    public async ValueTask<IMessageTransaction> BeginAsync(MessageEnvelope envelope, CancellationToken cancellationToken)
    {
        var snapshot = config.Current;
        var inner = await store.BeginAsync(envelope, cancellationToken);
        return new Transaction(this, inner, envelope, HasEndOfDataRules(snapshot) ? snapshot : null);
    }

    /// <summary>Whether any enabled rule in Enforce mode can reject or delete.</summary>
    public static bool HasEndOfDataRules(TransportConfig snapshot) =>
        snapshot.TransportRules.Any(r => r.Enabled && r.Mode == RuleMode.Enforce
            && r.Definition.Actions.Any(a => a.Kind is "Reject" or "DeleteSilently"));

    private void Committed(string queueId, MessageEnvelope envelope, long size)
    {
        tracker.Track(new Mailflow.Tracking.MessageTrackingEvent
        {
            Kind = MessageTrackingEventKind.Receive,
            QueueId = queueId,
            Sender = envelope.Sender,
            Recipients = string.Join(", ", envelope.Recipients.Select(r => r.Address)),
            RecipientCount = envelope.Recipients.Count,
            Size = size,
            Connector = envelope.ReceiveConnectorName,
            RemoteHost = envelope.Client.RemoteAddress.ToString(),
            Detail = $"From {envelope.Client.HeloName} [{envelope.Client.RemoteAddress}]" +
                     (envelope.Client.AuthenticatedAs is { } user ? $", authenticated as {user}" : "") +
                     (envelope.Client.TlsProtocol is { } tls ? $", {Mailflow.Net.TlsProtocolText.Describe(tls)}" : ""),
        });
        submissions.Ring();
    }

    /// <param name="rulesSnapshot">Set when end-of-DATA rules must be evaluated (the message is copied for them).</param>
    private sealed class Transaction(SubmissionSink sink, IMessageTransaction inner, MessageEnvelope envelope, TransportConfig? rulesSnapshot) : IMessageTransaction
    {
        // The session bounds the size by the connector's limit; rules need the whole message (body words,
        // attachments), so this copy exists only while such rules are configured.
        private readonly MemoryStream? _copy = rulesSnapshot is null ? null : new MemoryStream();
        private long _size;

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            await inner.WriteAsync(content, cancellationToken);
            _copy?.Write(content.Span);
            _size += content.Length;
        }

        public async ValueTask<string> CommitAsync(CancellationToken cancellationToken)
        {
            if (_copy is not null && rulesSnapshot is not null)
            {
                _copy.Position = 0;
                var message = await MimeMessage.LoadAsync(_copy, cancellationToken);
                var decision = sink.Evaluator.Evaluate(rulesSnapshot, RuleMessageContext.FromEnvelope(envelope, message, _copy.Length)).Decision;
                if (decision.Reject is { } reject)
                {
                    await inner.AbortAsync();
                    Log.Rejected(sink.Logger, reject.RuleName, envelope.Sender, envelope.Client.RemoteAddress.ToString());
                    var reply = new SmtpReply(reject.SmtpCode, reject.EnhancedStatusCode, reject.Text);
                    sink.Refusals.RejectedByRule(reject.RuleName, reply, envelope.ReceiveConnectorName, envelope.Client.RemoteAddress,
                        envelope.Sender, [.. envelope.Recipients.Select(r => r.Address)]);
                    throw new MessageRejectedException(reply, $"rule '{reject.RuleName}' rejected the message");
                }
                if (decision.DeleteSilently)
                {
                    await inner.AbortAsync();
                    var id = sink.QueueIds.Next();
                    Log.Deleted(sink.Logger, id, envelope.Sender);
                    return id;
                }
            }
            var queueId = await inner.CommitAsync(cancellationToken);
            sink.Committed(queueId, envelope, _size);
            return queueId;
        }

        public ValueTask AbortAsync() => inner.AbortAsync();

        public async ValueTask DisposeAsync()
        {
            if (_copy is not null)
                await _copy.DisposeAsync();
            await inner.DisposeAsync();
        }
    }

    private static partial class Log
    {
        [LoggerMessage(2100, LogLevel.Information, "Mail flow rule '{Rule}' rejected a message from <{Sender}> ({Client}) at end of DATA")]
        public static partial void Rejected(ILogger logger, string rule, string sender, string client);

        [LoggerMessage(2101, LogLevel.Information, "A mail flow rule deleted message {QueueId} from <{Sender}> silently at end of DATA")]
        public static partial void Deleted(ILogger logger, string queueId, string sender);
    }
}
