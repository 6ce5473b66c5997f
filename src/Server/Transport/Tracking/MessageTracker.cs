using System.Threading.Channels;
using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Queue;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Tracking;

/// <summary>
/// Writes message tracking events without slowing the stage that reports them: <see cref="Track"/>
/// only puts the event on a bounded in-memory channel; this background service drains it and
/// inserts batches (one short transaction per batch, through the SQLite writer gate).
/// <para>Failure semantics: the trace is an operator's record, not the queue's state. Events still
/// in the channel when the process dies are lost, and when the channel is full (the store is far
/// behind) new events are dropped and counted rather than blocking a delivery. The queue rows stay
/// the source of truth for what happened to a message.</para>
/// </summary>
public sealed class MessageTracker(
    IDbContextFactory<MailflowDbContext> dbFactory,
    SqliteStoreGate gate,
    IOptions<MailflowOptions> options,
    TimeProvider time,
    ILogger<MessageTracker> logger) : BackgroundService
{
    /// <summary>Events kept in memory at most before new ones are dropped.</summary>
    public const int Capacity = 10_000;
    private const int BatchSize = 256;

    private readonly Channel<MessageTrackingEvent> _pending = Channel.CreateBounded<MessageTrackingEvent>(
        new BoundedChannelOptions(Capacity) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait });
    private readonly string _node = options.Value.ResolvedNodeName;
    private long _accepted;
    private long _settled;
    private long _dropped;
    private TaskCompletionSource _batchDone = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Events dropped because the channel was full.</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    /// <summary>Queues an event for writing; fills in the time and node when unset, and cuts text to the column lengths. Never blocks.</summary>
    public void Track(MessageTrackingEvent trackingEvent)
    {
        if (trackingEvent.Time == default)
            trackingEvent.Time = time.GetUtcNow();
        if (trackingEvent.Node.Length == 0)
            trackingEvent.Node = _node;
        Cut(trackingEvent);
        if (_pending.Writer.TryWrite(trackingEvent))
        {
            Interlocked.Increment(ref _accepted);
            return;
        }
        if (Interlocked.Increment(ref _dropped) % 1000 == 1)
            TrackingLog.EventsDropped(logger, DroppedCount);
    }

    /// <summary>An event about <paramref name="message"/> (sender, ids, subject, size filled in) for the given recipients (all of them when null).</summary>
    public void Track(
        MessageTrackingEventKind kind,
        QueuedMessage message,
        IEnumerable<string>? recipients = null,
        string? nextHop = null,
        string? connector = null,
        string? remoteHost = null,
        int? replyCode = null,
        string? reply = null,
        string? detail = null) =>
        Track(Describe(kind, message, recipients, nextHop, connector, remoteHost, replyCode, reply, detail));

    /// <summary>
    /// Like <see cref="Track(MessageTrackingEventKind, QueuedMessage, IEnumerable{string}?, string?, string?, string?, int?, string?, string?)"/>,
    /// but waits for room instead of dropping the event: for an admin's action on thousands of messages
    /// at once, which would otherwise overflow the buffer by itself.
    /// </summary>
    public async ValueTask TrackWaitingAsync(MessageTrackingEventKind kind, QueuedMessage message, string? detail, CancellationToken cancellationToken)
    {
        var trackingEvent = Describe(kind, message, null, null, null, null, null, null, detail);
        trackingEvent.Time = time.GetUtcNow();
        trackingEvent.Node = _node;
        Cut(trackingEvent);
        await _pending.Writer.WriteAsync(trackingEvent, cancellationToken);
        Interlocked.Increment(ref _accepted);
    }

    private static MessageTrackingEvent Describe(
        MessageTrackingEventKind kind, QueuedMessage message, IEnumerable<string>? recipients, string? nextHop, string? connector,
        string? remoteHost, int? replyCode, string? reply, string? detail)
    {
        var list = (recipients ?? message.Recipients.Select(r => r.Address)).ToList();
        return new MessageTrackingEvent
        {
            Kind = kind,
            QueueId = message.QueueId,
            InternetMessageId = message.MessageIdHeader,
            Sender = message.Sender,
            Recipients = string.Join(", ", list),
            RecipientCount = list.Count,
            Subject = message.Subject,
            Size = message.Size,
            NextHop = nextHop,
            Connector = connector,
            RemoteHost = remoteHost,
            ReplyCode = replyCode,
            Reply = reply,
            Detail = detail,
        };
    }

    /// <summary>Completes when every event tracked before the call is written (or was given up on). For shutdown and tests.</summary>
    public async Task FlushAsync(CancellationToken cancellationToken = default)
    {
        var target = Interlocked.Read(ref _accepted);
        while (Interlocked.Read(ref _settled) < target)
        {
            var done = Volatile.Read(ref _batchDone).Task;
            if (Interlocked.Read(ref _settled) >= target)
                return;
            await done.WaitAsync(cancellationToken);
        }
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var batch = new List<MessageTrackingEvent>(BatchSize);
        try
        {
            while (await _pending.Reader.WaitToReadAsync(stoppingToken))
                await DrainAsync(batch, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: write what is already queued, without the stopping token.
            await DrainAsync(batch, CancellationToken.None);
        }
    }

    private async Task DrainAsync(List<MessageTrackingEvent> batch, CancellationToken cancellationToken)
    {
        while (true)
        {
            batch.Clear();
            while (batch.Count < BatchSize && _pending.Reader.TryRead(out var next))
                batch.Add(next);
            if (batch.Count == 0)
                return;
            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                await using (await gate.EnterWriteAsync(db, cancellationToken))
                {
                    db.MessageTrackingEvents.AddRange(batch);
                    await db.SaveChangesAsync(cancellationToken);
                }
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                TrackingLog.WriteFailed(logger, batch.Count, exception);
            }
            finally
            {
                Interlocked.Add(ref _settled, batch.Count);
                Interlocked.Exchange(ref _batchDone, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
            }
        }
    }

    private static void Cut(MessageTrackingEvent e)
    {
        e.Sender = CutTo(e.Sender, MessageTrackingEvent.AddressLength)!;
        e.Recipients = CutTo(e.Recipients, MessageTrackingEvent.RecipientsLength)!;
        e.InternetMessageId = CutTo(e.InternetMessageId, MessageTrackingEvent.TextLength);
        e.Subject = CutTo(e.Subject, MessageTrackingEvent.TextLength);
        e.NextHop = CutTo(e.NextHop, MessageTrackingEvent.AddressLength);
        e.Connector = CutTo(e.Connector, 128);
        e.RemoteHost = CutTo(e.RemoteHost, 255);
        e.Reply = CutTo(e.Reply, MessageTrackingEvent.ReplyLength);
        e.Detail = CutTo(e.Detail, MessageTrackingEvent.DetailLength);
    }

    private static string? CutTo(string? text, int length) => text is { } t && t.Length > length ? t[..length] : text;
}
