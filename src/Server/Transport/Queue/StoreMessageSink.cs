using Mailflow.Queue;
using Mailflow.Server.Operations.Tracing;
using Mailflow.Smtp;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Queue;

/// <summary>
/// The durable end of the receive session: <c>250</c> means this sink committed the envelope and the
/// full content in one store transaction (style guideline 5; RFC 5321 §6.1 "the receiver-SMTP MUST
/// NOT lose the message").
/// <para>Implementation summary: <see cref="IMessageTransaction.WriteAsync"/> only stages bytes
/// (memory up to 64 KiB, then an unlinked file under <c>spool-tmp/</c>) and hashes them; no store
/// connection or lock exists while the session waits for the client. <see cref="IMessageTransaction.CommitAsync"/>
/// builds the rows (queue id, hash, header summary) on the session's own thread, then hands the message
/// to the <see cref="GroupCommitter"/>, which stores it together with whatever other sessions committed
/// meanwhile, in one store transaction: rows, content streamed from the staging, COMMIT. Only after that
/// COMMIT returned does the session get the queue id. Abort or dispose without commit drops the staging;
/// nothing reached the store.</para>
/// </summary>
public sealed class StoreMessageSink(
    GroupCommitter committer,
    QueueIdGenerator queueIds,
    IOptions<MailflowOptions> options,
    TimeProvider time,
    ILogger<StoreMessageSink> logger) : IMessageSink
{
    /// <summary>Where staging files spill; scratch space only, never the durable copy.</summary>
    public string SpoolDirectory { get; } = Path.Combine(options.Value.ResolvedDataDirectory, "spool-tmp");

    private ILogger Logger => logger;
    private QueueIdGenerator QueueIds => queueIds;

    public ValueTask<IMessageTransaction> BeginAsync(MessageEnvelope envelope, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(envelope);
        return ValueTask.FromResult<IMessageTransaction>(new Transaction(this, envelope, new MessageStaging(SpoolDirectory)));
    }

    private async Task<string> StoreAsync(MessageEnvelope envelope, MessageStaging staging, MessageAdditions additions, CancellationToken cancellationToken)
    {
        // Everything per-message that needs no store happens here, in parallel across sessions; the
        // committer only writes.
        var message = ToQueuedMessage(envelope, queueIds.Next(), time.GetUtcNow());
        staging.RemoveRanges(additions);
        staging.PrependHeaders(additions.Headers);
        // The receiving span travels with the message, so the categorizer's and delivery's spans link to it.
        message.AgentTags = MailflowTracing.CurrentTraceParent() is { } traceParent
            ? MessageTags.Serialize(additions.Tags.Append(new KeyValuePair<string, string>(MessageTagNames.TraceParent, traceParent)))
            : MessageTags.Serialize(additions.Tags);
        message.Size = staging.Length;
        message.ContentSha256 = await staging.FinishHashAsync(cancellationToken);
        var summary = HeaderSummary.Parse(staging.Prefix);
        message.Subject = summary.Subject;
        message.FromHeader = summary.From;
        message.MessageIdHeader = summary.MessageId;

        using var activity = MailflowTracing.Source.StartActivity(MailflowTracing.Spans.StoreCommit);
        activity?.SetTag(MailflowTracing.Attributes.QueueId, message.QueueId);
        if (message.MessageIdHeader is { Length: > 0 } messageId)
            activity?.SetTag(MailflowTracing.Attributes.MessageId, messageId);
        var queueId = await committer.CommitAsync(message, staging, cancellationToken);
        QueueLog.MessageQueued(logger, queueId, message.Sender, message.Recipients.Count, message.Size);
        return queueId;
    }

    private static QueuedMessage ToQueuedMessage(MessageEnvelope envelope, string queueId, DateTimeOffset now) => new()
    {
        QueueId = queueId,
        State = QueuedMessageState.Submitted,
        Priority = QueuePriority.Normal,
        Sender = envelope.Sender,
        BodyType = envelope.BodyType,
        SmtpUtf8 = envelope.SmtpUtf8,
        RequireTls = envelope.RequireTls,
        DsnReturn = envelope.DsnReturn,
        DsnEnvelopeId = envelope.DsnEnvelopeId,
        ClientAddress = envelope.Client.RemoteAddress.ToString(),
        ClientPort = envelope.Client.RemotePort,
        LocalEndPoint = envelope.Client.LocalEndPoint.ToString(),
        HeloName = envelope.Client.HeloName,
        AuthenticatedAs = envelope.Client.AuthenticatedAs,
        TlsProtocol = envelope.Client.TlsProtocol,
        TlsCipher = envelope.Client.TlsCipher,
        ReceiveConnectorId = envelope.ReceiveConnectorId,
        ReceiveConnectorName = envelope.ReceiveConnectorName,
        ReceivingNode = envelope.NodeName,
        Origin = envelope.Origin,
        ReceivedAt = envelope.ReceivedAt.ToUniversalTime(),
        // Both are stamped again by the batch that commits the message.
        QueuedAt = now,
        NextAttemptAt = now,
        Recipients = envelope.Recipients.Select(r => new QueuedRecipient
        {
            Address = r.Address,
            OriginalRecipient = r.OriginalRecipient,
            Notify = r.Notify,
            Status = QueuedRecipientStatus.Scheduled,
        }).ToList(),
    };

    private sealed class Transaction(StoreMessageSink sink, MessageEnvelope envelope, MessageStaging staging) : IMessageTransaction
    {
        private enum Phase { Open, Committed, Failed, Aborted }

        private Phase _phase;

        public ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken)
        {
            EnsureOpen();
            return staging.AppendAsync(content, cancellationToken);
        }

        public long Length => staging.Length;

        public ValueTask<Stream> OpenReadAsync(CancellationToken cancellationToken)
        {
            EnsureOpen();
            return staging.OpenContentAsync(cancellationToken);
        }

        public async ValueTask<string> DiscardAsync()
        {
            await AbortAsync();
            return sink.QueueIds.Next();
        }

        public async ValueTask<string> CommitAsync(MessageAdditions additions, CancellationToken cancellationToken)
        {
            EnsureOpen();
            try
            {
                var queueId = await sink.StoreAsync(envelope, staging, additions, cancellationToken);
                _phase = Phase.Committed;
                return queueId;
            }
            catch (Exception exception)
            {
                _phase = Phase.Failed;
                QueueLog.CommitFailed(sink.Logger, envelope.Sender, staging.Length, exception);
                throw;
            }
            finally
            {
                await staging.DisposeAsync();
            }
        }

        public async ValueTask AbortAsync()
        {
            if (_phase != Phase.Open)
                return;
            _phase = Phase.Aborted;
            QueueLog.TransactionAborted(sink.Logger, envelope.Sender, staging.Length);
            await staging.DisposeAsync();
        }

        public ValueTask DisposeAsync() => AbortAsync();

        private void EnsureOpen()
        {
            if (_phase != Phase.Open)
                throw new InvalidOperationException($"The message transaction is already {_phase.ToString().ToLowerInvariant()}.");
        }
    }
}
