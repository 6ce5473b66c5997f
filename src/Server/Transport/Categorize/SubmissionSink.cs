using Mailflow.Configuration;
using Mailflow.Server.Transport.Queue;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Tracking;

namespace Mailflow.Server.Transport.Categorize;

/// <summary>
/// What the receive session hands messages to: the store sink, with two jobs around it — a RECEIVE
/// tracking event per committed message, and the categorizer's doorbell after each commit. (The
/// checks before the 250, mail flow rules that reject or delete among them, are transport agents.)
/// </summary>
public sealed class SubmissionSink(
    StoreMessageSink store,
    SubmissionSignal submissions,
    MessageTracker tracker) : IMessageSink
{
    public async ValueTask<IMessageTransaction> BeginAsync(MessageEnvelope envelope, CancellationToken cancellationToken)
    {
        var inner = await store.BeginAsync(envelope, cancellationToken);
        return new Transaction(this, inner, envelope);
    }

    /// <summary>Whether any enabled rule in Enforce mode can reject or delete (those run at the end of DATA).</summary>
    public static bool HasEndOfDataRules(TransportConfig snapshot) =>
        snapshot.TransportRules.Any(r => r.Enabled && r.Mode == RuleMode.Enforce
            && r.Definition.Actions.Any(a => a.Kind is "Reject" or "DeleteSilently"));

    private void Committed(string queueId, MessageEnvelope envelope, long size)
    {
        tracker.Track(new MessageTrackingEvent
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

    private sealed class Transaction(SubmissionSink sink, IMessageTransaction inner, MessageEnvelope envelope) : IMessageTransaction
    {
        public long Length => inner.Length;

        public ValueTask WriteAsync(ReadOnlyMemory<byte> content, CancellationToken cancellationToken) => inner.WriteAsync(content, cancellationToken);

        public ValueTask<Stream> OpenReadAsync(CancellationToken cancellationToken) => inner.OpenReadAsync(cancellationToken);

        public async ValueTask<string> CommitAsync(MessageAdditions additions, CancellationToken cancellationToken)
        {
            var queueId = await inner.CommitAsync(additions, cancellationToken);
            sink.Committed(queueId, envelope, inner.Length);
            return queueId;
        }

        public ValueTask<string> DiscardAsync() => inner.DiscardAsync();

        public ValueTask AbortAsync() => inner.AbortAsync();

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
