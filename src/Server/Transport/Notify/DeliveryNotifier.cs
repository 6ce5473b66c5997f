using System.Net;
using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Queue;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Smtp;
using Mailflow.Tracking;
using Microsoft.Extensions.Options;
using MimeKit;

namespace Mailflow.Server.Transport.Notify;

/// <summary>
/// Decides which delivery status notifications a message owes its sender after a delivery pass,
/// and enqueues them as new messages (RFC 3461 §6, RFC 3464):
/// <list type="bullet">
/// <item>failure NDR for permanently failed recipients whose NOTIFY is absent or includes FAILURE;</item>
/// <item>success DSN for delivered recipients with NOTIFY=SUCCESS, unless the next hop took the
/// request over (it announced DSN and we passed NOTIFY on — RFC 3461 §4.2);</item>
/// <item>one delay DSN per recipient once the message waited DelayNotificationTimeout, when NOTIFY
/// is absent or includes DELAY;</item>
/// <item>nothing ever to the null sender (a DSN is never answered with a DSN) and nothing for NOTIFY=NEVER.</item>
/// </list>
/// A DSN is a new message from <c>&lt;&gt;</c> (From: MAILER-DAEMON@default domain) to the original
/// sender, committed through the <see cref="StoreMessageSink"/> in state Submitted so that it is
/// routed like any other message. It is marked by <see cref="MessageOrigin.Notification"/> (and named by <see cref="SubmissionConnectorName"/>) as its
/// receive connector. Each recipient's notification is recorded after the DSN is committed; a crash
/// between the two sends that DSN again (at least once).
/// </summary>
public sealed class DeliveryNotifier(
    QueueStore store,
    StoreMessageSink sink,
    DsnBuilder builder,
    TransportConfigProvider config,
    MessageTracker tracker,
    IOptions<MailflowOptions> options,
    TimeProvider time)
{
    /// <summary>The receive connector name DSN messages carry, so the categorizer and the trace can tell them apart.</summary>
    public const string SubmissionConnectorName = "Mailflow DSN generator";
    public static readonly Guid SubmissionConnectorId = new("d5a0f7e2-3c1b-4f6e-9a8d-000000000d5e");

    /// <param name="outcomes">This pass's outcomes by recipient id (for success DSNs: did the remote take over?).</param>
    public async Task NotifyAsync(QueueLease lease, string queueId, IReadOnlyDictionary<long, RecipientOutcome> outcomes, RetrySchedule schedule, CancellationToken cancellationToken)
    {
        var message = await store.FindAsync(queueId, cancellationToken);
        if (message is null)
            return;
        var now = time.GetUtcNow();
        var finalUnnotified = message.Recipients.Where(r => r.Status.IsFinal() && r.FinalNotifiedAt is null).ToList();

        if (message.Sender.Length > 0)
        {
            var failed = finalUnnotified.Where(r => r.Status == QueuedRecipientStatus.PermanentFailure && Wants(r.Notify, DsnNotify.Failure)).ToList();
            if (failed.Count > 0)
                await SendAsync(DsnKind.Failure, message, failed.Select(r => Report(r, "failed", null)).ToList(), cancellationToken);

            var delivered = finalUnnotified.Where(r => r.Status == QueuedRecipientStatus.Delivered && r.Notify.HasFlag(DsnNotify.Success)
                && !(outcomes.TryGetValue(r.Id, out var outcome) && outcome.RemoteHandlesDsn)).ToList();
            if (delivered.Count > 0)
                await SendAsync(DsnKind.Success, message, delivered.Select(r => Report(r, IsLocal(r.NextHopKey) ? "delivered" : "relayed", null)).ToList(), cancellationToken);

            if (schedule.IsDelayNotificationDue(message.QueuedAt, now))
            {
                var delayed = message.Recipients.Where(r => !r.Status.IsFinal() && r.DelayNotifiedAt is null && Wants(r.Notify, DsnNotify.Delay)).ToList();
                if (delayed.Count > 0)
                {
                    var until = schedule.ExpiresAt(message.QueuedAt);
                    await SendAsync(DsnKind.Delay, message, delayed.Select(r => Report(r, "delayed", until)).ToList(), cancellationToken);
                    await store.MarkNotifiedAsync(lease, delayed.Select(r => r.Id).ToList(), delay: true, cancellationToken);
                }
            }
        }
        // Every final recipient is settled now, including those that wanted no DSN.
        await store.MarkNotifiedAsync(lease, finalUnnotified.Select(r => r.Id).ToList(), delay: false, cancellationToken);
    }

    /// <summary>
    /// Whether <see cref="NotifyAsync"/> would have anything to do after a delivery pass with these
    /// <paramref name="results"/>, judged from the claimed message without reading the store: a DSN to
    /// send, or a recipient that was final before this pass and never settled (a crash between its
    /// outcome and its notification). When false, the queue manager records "notified" for the pass's
    /// final recipients together with their outcomes and the release, in one write.
    /// </summary>
    public bool IsNotificationDue(QueuedMessage message, IReadOnlyDictionary<long, RecipientOutcome> outcomes,
        IReadOnlyList<RecipientResult> results, RetrySchedule schedule, DateTimeOffset now)
    {
        var statuses = results.ToDictionary(r => r.RecipientId, r => r.Status);
        QueuedRecipientStatus StatusOf(QueuedRecipient r) => statuses.TryGetValue(r.Id, out var status) ? status : r.Status;
        var hasSender = message.Sender.Length > 0;
        foreach (var recipient in message.Recipients)
        {
            var status = StatusOf(recipient);
            if (!status.IsFinal() || recipient.FinalNotifiedAt is not null)
                continue;
            if (!statuses.ContainsKey(recipient.Id))
                return true;
            if (!hasSender)
                continue;
            if (status == QueuedRecipientStatus.PermanentFailure && Wants(recipient.Notify, DsnNotify.Failure))
                return true;
            if (status == QueuedRecipientStatus.Delivered && recipient.Notify.HasFlag(DsnNotify.Success)
                && !(outcomes.TryGetValue(recipient.Id, out var outcome) && outcome.RemoteHandlesDsn))
                return true;
        }
        return hasSender && schedule.IsDelayNotificationDue(message.QueuedAt, now)
            && message.Recipients.Any(r => !StatusOf(r).IsFinal() && r.DelayNotifiedAt is null && Wants(r.Notify, DsnNotify.Delay));
    }

    /// <summary>A failure NDR for recipients an administrator removed (queue operations "remove with NDR"); no lease involved.</summary>
    public Task SendRemovalNdrAsync(QueuedMessage message, IReadOnlyList<QueuedRecipient> recipients, DeliveryReply reply, CancellationToken cancellationToken) =>
        message.Sender.Length == 0 || recipients.Count == 0
            ? Task.CompletedTask
            : SendAsync(DsnKind.Failure, message, recipients.Where(r => Wants(r.Notify, DsnNotify.Failure))
                .Select(r => new DsnRecipientReport(r.Address, r.OriginalRecipient, "failed", reply, null, r.LastAttemptAt, null)).ToList(), cancellationToken);

    private static bool Wants(DsnNotify notify, DsnNotify kind) =>
        !notify.HasFlag(DsnNotify.Never) && (notify == DsnNotify.Unspecified || notify.HasFlag(kind));

    private static bool IsLocal(string? nextHopKey) => NextHopKey.TryParse(nextHopKey, out var key) && key.IsLocal;

    private static DsnRecipientReport Report(QueuedRecipient recipient, string action, DateTimeOffset? willRetryUntil) => new(
        recipient.Address,
        recipient.OriginalRecipient,
        action,
        StoredReply(recipient, action),
        IsLocal(recipient.NextHopKey) ? null : recipient.LastRemoteHost,
        recipient.LastAttemptAt,
        willRetryUntil);

    /// <summary>The reply as the queue stored it (<c>LastReplyCode</c> + <c>"x.y.z text"</c>).</summary>
    internal static DeliveryReply StoredReply(QueuedRecipient recipient, string action) =>
        recipient.LastReplyCode is { } code
            ? DeliveryReply.FromRemote(code, recipient.LastResponse)
            : action switch
            {
                "failed" => new DeliveryReply(550, "5.0.0", recipient.LastResponse ?? "Delivery failed"),
                "delayed" => new DeliveryReply(451, "4.0.0", recipient.LastResponse ?? "Delivery is delayed"),
                _ => new DeliveryReply(250, "2.0.0", recipient.LastResponse ?? "Delivered"),
            };

    private async Task SendAsync(DsnKind kind, QueuedMessage original, IReadOnlyList<DsnRecipientReport> recipients, CancellationToken cancellationToken)
    {
        if (recipients.Count == 0)
            return;
        var snapshot = config.Current;
        var domain = snapshot.DefaultDomain?.DomainName ?? options.Value.DefaultDomain;
        var reporter = new DsnReporter(options.Value.ResolvedFqdn, $"MAILER-DAEMON@{domain}");
        var now = time.GetUtcNow();

        MimeMessage dsn;
        await using (var content = await store.LoadContentAsync(original.Id, cancellationToken))
        {
            // RFC 8689 §5: a REQUIRETLS message is returned as if RET=HDRS: its body never travels in the (plain) bounce.
            var returnFull = kind == DsnKind.Failure && original.DsnReturn == DsnReturn.Full && !original.RequireTls;
            dsn = await builder.BuildAsync(kind, returnFull ? original : WithHeadersOnly(original), recipients, content, reporter, now, cancellationToken);
        }
        // 7-bit clean text parts (quoted-printable where needed); headers are RFC 2047-encoded by MimeKit.
        dsn.Prepare(EncodingConstraint.SevenBit);

        var envelope = new MessageEnvelope(
            Sender: "",
            Recipients: [new EnvelopeRecipient(original.Sender)],
            BodyType: original.BodyType == BodyType.SevenBit ? BodyType.SevenBit : BodyType.EightBitMime,
            SmtpUtf8: original.SmtpUtf8,
            DsnReturn: DsnReturn.Unspecified,
            DsnEnvelopeId: null,
            Client: new ClientInfo(IPAddress.Loopback, 0, new IPEndPoint(IPAddress.Loopback, 0), reporter.ReportingMta, null, null, null),
            ReceiveConnectorId: SubmissionConnectorId,
            ReceiveConnectorName: SubmissionConnectorName,
            ReceivedAt: now,
            NodeName: options.Value.ResolvedNodeName,
            Origin: MessageOrigin.Notification);

        string dsnQueueId;
        await using (var transaction = await sink.BeginAsync(envelope, cancellationToken))
        {
            await using (var writer = new TransactionStream(transaction))
                await dsn.WriteToAsync(new FormatOptions { NewLineFormat = NewLineFormat.Dos }, writer, cancellationToken);
            dsnQueueId = await transaction.CommitAsync(cancellationToken);
        }
        dsn.Dispose();
        NotifyMetrics.Sent(kind);
        tracker.Track(MessageTrackingEventKind.Dsn, original, recipients.Select(r => r.FinalRecipient),
            detail: $"{kind} DSN queued as {dsnQueueId} to <{original.Sender}>");
    }

    private static QueuedMessage WithHeadersOnly(QueuedMessage original)
    {
        if (original.DsnReturn != DsnReturn.Full)
            return original;
        // Delay and success DSNs carry the headers even when RET=FULL (RET concerns failures, RFC 3461 §4.3);
        // so do failures of REQUIRETLS messages (RFC 8689 §5).
        return new QueuedMessage
        {
            Id = original.Id, QueueId = original.QueueId, Sender = original.Sender, Subject = original.Subject,
            MessageIdHeader = original.MessageIdHeader, DsnEnvelopeId = original.DsnEnvelopeId, ReceivedAt = original.ReceivedAt,
            DsnReturn = DsnReturn.Headers, BodyType = original.BodyType, SmtpUtf8 = original.SmtpUtf8,
        };
    }

    /// <summary>A write-only stream into a sink transaction, so MimeKit writes the DSN straight into the store's staging.</summary>
    private sealed class TransactionStream(IMessageTransaction transaction) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }
        public override void Flush() { }
        public override Task FlushAsync(CancellationToken cancellationToken) => Task.CompletedTask;
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) =>
            transaction.WriteAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();
        public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
            transaction.WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) =>
            transaction.WriteAsync(buffer, cancellationToken);
    }
}
