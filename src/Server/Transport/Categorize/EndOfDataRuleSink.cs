using Mailflow.Configuration;
using Mailflow.Server.Transport.Categorize.TransportRules;
using Mailflow.Server.Transport.Queue;
using Mailflow.Smtp;
using MimeKit;

namespace Mailflow.Server.Transport.Categorize;

/// <summary>
/// Mail flow rules that reject or silently delete are evaluated at the end of DATA, before the 250
/// (issue 4): a rejected sender gets the rule's 5xx during the SMTP transaction and we never send an
/// NDR as backscatter; a deleted message is acknowledged and dropped. Everything else the rules do
/// (content changes, redirects, quarantine, Test-mode records) happens in the categorizer.
/// <para>Only when the live configuration has an enabled, enforced rule with such an action does this
/// keep a copy of the message to parse; otherwise it is a pass-through to the store sink, so the
/// common case costs nothing.</para>
/// </summary>
public sealed partial class EndOfDataRuleSink(
    StoreMessageSink store,
    TransportConfigProvider config,
    TransportRuleEvaluator evaluator,
    QueueIdGenerator queueIds,
    ILogger<EndOfDataRuleSink> logger) : IMessageSink
{
    private TransportRuleEvaluator Evaluator => evaluator;
    private QueueIdGenerator QueueIds => queueIds;
    private ILogger Logger => logger;

    public async ValueTask<IMessageTransaction> BeginAsync(MessageEnvelope envelope, CancellationToken cancellationToken)
    {
        var snapshot = config.Current;
        var inner = await store.BeginAsync(envelope, cancellationToken);
        return HasEndOfDataRules(snapshot) ? new CheckedTransaction(this, inner, envelope, snapshot) : inner;
    }

    /// <summary>Whether any enabled rule in Enforce mode can reject or delete.</summary>
    public static bool HasEndOfDataRules(TransportConfig snapshot) =>
        snapshot.TransportRules.Any(r => r.Enabled && r.Mode == RuleMode.Enforce
            && r.Definition.Actions.Any(a => a.Kind is "Reject" or "DeleteSilently"));

    private sealed class CheckedTransaction(EndOfDataRuleSink sink, IMessageTransaction inner, MessageEnvelope envelope, TransportConfig snapshot) : IMessageTransaction
    {
        // The session already bounds the size by the connector's limit; rules need the whole message
        // (body words, attachments), so this copy exists only while such rules are configured.
        private readonly MemoryStream _copy = new();

        public async ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            await inner.WriteAsync(content, cancellationToken);
            _copy.Write(content.Span);
        }

        public async ValueTask<string> CommitAsync(CancellationToken cancellationToken)
        {
            _copy.Position = 0;
            var message = await MimeMessage.LoadAsync(_copy, cancellationToken);
            var context = RuleMessageContext.FromEnvelope(envelope, message, _copy.Length);
            var decision = sink.Evaluator.Evaluate(snapshot, context).Decision;
            if (decision.Reject is { } reject)
            {
                await inner.AbortAsync();
                Log.Rejected(sink.Logger, reject.RuleName, envelope.Sender, envelope.Client.RemoteAddress.ToString());
                throw new MessageRejectedException(new SmtpReply(reject.SmtpCode, reject.EnhancedStatusCode, reject.Text), $"rule '{reject.RuleName}' rejected the message");
            }
            if (decision.DeleteSilently)
            {
                await inner.AbortAsync();
                var id = sink.QueueIds.Next();
                Log.Deleted(sink.Logger, id, envelope.Sender);
                return id;
            }
            return await inner.CommitAsync(cancellationToken);
        }

        public ValueTask AbortAsync() => inner.AbortAsync();

        public async ValueTask DisposeAsync()
        {
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
