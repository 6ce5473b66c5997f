using Mailflow.Data;
using Mailflow.Queue;
using Mailflow.Server.Transport.Queue;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Transport.Tracking;

/// <summary>
/// Writes message tracking events without slowing the stage that reports them: <see cref="Track"/>
/// only hands the event to the one group-commit loop of the queue tables (<see cref="BatchCommitter{T}"/>,
/// as acceptance and bookkeeping do), which inserts whatever arrived during the previous write in one
/// short transaction through the SQLite writer gate.
/// <para>Failure semantics: the trace is an operator's record, not the queue's state. Events not yet
/// written when the process dies are lost. At most <see cref="Capacity"/> events wait in memory: beyond
/// that (the store is far behind) new events are dropped and counted rather than blocking a delivery.
/// A failed batch is written again event by event (the committer's rule), so one bad event is the only
/// one lost. The queue rows stay the source of truth for what happened to a message.</para>
/// </summary>
public sealed class MessageTracker : BackgroundService
{
    /// <summary>Events kept in memory at most before new ones are dropped.</summary>
    public const int Capacity = 10_000;
    private const int BatchSize = 256;

    private readonly IDbContextFactory<MailflowDbContext> _dbFactory;
    private readonly SqliteStoreGate _gate;
    private readonly TimeProvider _time;
    private readonly ILogger<MessageTracker> _logger;
    private readonly string _node;
    private readonly BatchCommitter<PendingEvent> _committer;
    /// <summary>Free places among the <see cref="Capacity"/> events that may wait for the store.</summary>
    private readonly SemaphoreSlim _room = new(Capacity, Capacity);
    private long _accepted;
    private long _settled;
    private long _dropped;
    private long _lost;
    private TaskCompletionSource _settledChanged = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public MessageTracker(
        IDbContextFactory<MailflowDbContext> dbFactory,
        SqliteStoreGate gate,
        IOptions<MailflowOptions> options,
        TimeProvider time,
        ILogger<MessageTracker> logger)
    {
        _dbFactory = dbFactory;
        _gate = gate;
        _time = time;
        _logger = logger;
        _node = options.Value.ResolvedNodeName;
        _committer = new BatchCommitter<PendingEvent>(
            nameof(MessageTracker), InsertAsync, BatchSize, maxSize: long.MaxValue,
            (count, exception) => TrackingLog.BatchFailed(logger, count, exception));
    }

    /// <summary>Events dropped because <see cref="Capacity"/> events were already waiting.</summary>
    public long DroppedCount => Interlocked.Read(ref _dropped);

    /// <summary>Events the store refused for good (a bad event, or the store away longer than <see cref="StoreRetries"/> tries); each loss is also logged.</summary>
    public long LostCount => Interlocked.Read(ref _lost);

    /// <summary>Every event that never reached the store (<see cref="DroppedCount"/> + <see cref="LostCount"/>): what /metrics reports as lost tracking events.</summary>
    public long UnwrittenCount => DroppedCount + LostCount;

    /// <summary>How often an event is written again while the store is away (about a second apart) before it counts as lost.</summary>
    public const int StoreRetries = 60;
    private static readonly TimeSpan StoreRetryPause = TimeSpan.FromSeconds(1);

    /// <summary>Queues an event for writing; fills in the time and node when unset, and cuts text to the column lengths. Never blocks.</summary>
    public void Track(MessageTrackingEvent trackingEvent)
    {
        if (trackingEvent.Time == default)
            trackingEvent.Time = _time.GetUtcNow();
        if (trackingEvent.Node.Length == 0)
            trackingEvent.Node = _node;
        Cut(trackingEvent);
        if (!_room.Wait(0) || !TryEnqueue(trackingEvent))
            Drop();
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
        trackingEvent.Time = _time.GetUtcNow();
        trackingEvent.Node = _node;
        Cut(trackingEvent);
        await _room.WaitAsync(cancellationToken);
        if (!TryEnqueue(trackingEvent))
            Drop();
    }

    /// <summary>Hands an event that has its place to the committer; false once the committer has shut down (the place is given back).</summary>
    private bool TryEnqueue(MessageTrackingEvent trackingEvent)
    {
        // Counted first: a fast commit may settle the event before Enqueue returns.
        Interlocked.Increment(ref _accepted);
        try
        {
            _committer.Enqueue(new PendingEvent(this, trackingEvent));
            return true;
        }
        catch (ObjectDisposedException)
        {
            Interlocked.Decrement(ref _accepted);
            _room.Release();
            return false;
        }
    }

    private void Drop()
    {
        if (Interlocked.Increment(ref _dropped) % 1000 == 1)
            TrackingLog.EventsDropped(_logger, DroppedCount);
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
            var changed = Volatile.Read(ref _settledChanged).Task;
            if (Interlocked.Read(ref _settled) >= target)
                return;
            await changed.WaitAsync(cancellationToken);
        }
    }

    /// <summary>The tracker only needs to outlive the host's run: on stop, what is already handed over is written.</summary>
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(Timeout.Infinite, stoppingToken);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            await _committer.DisposeAsync();
        }
    }

    /// <summary>One batch of events in one transaction (the committer retries a failed batch event by event).</summary>
    private async Task InsertAsync(IReadOnlyList<PendingEvent> batch)
    {
        await using var db = await _dbFactory.CreateDbContextAsync();
        await using (await _gate.EnterWriteAsync(db, CancellationToken.None))
        {
            // Fresh rows each attempt: a failed batch leaves keys set on the entities it tried to insert.
            db.MessageTrackingEvents.AddRange(batch.Select(p => p.Row()));
            await db.SaveChangesAsync(CancellationToken.None);
        }
    }

    private void Settle()
    {
        _room.Release();
        Interlocked.Increment(ref _settled);
        Interlocked.Exchange(ref _settledChanged, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();
    }

    /// <summary>
    /// A write that failed because the store is away is tried again (keeping its place among the
    /// <see cref="Capacity"/>) rather than lost: a store outage of a minute loses no trace event.
    /// </summary>
    private void Failed(PendingEvent pending, Exception exception)
    {
        if (pending.Attempts < StoreRetries && Queue.StoreFailure.Is(exception))
        {
            pending.Attempts++;
            _ = Task.Delay(StoreRetryPause).ContinueWith(_ =>
            {
                try
                {
                    _committer.Enqueue(pending);
                }
                catch (ObjectDisposedException)
                {
                    Lose(exception);
                }
            }, TaskScheduler.Default);
            return;
        }
        Lose(exception);
    }

    private void Lose(Exception exception)
    {
        if (Interlocked.Increment(ref _lost) % 100 == 1)
            TrackingLog.WriteFailed(_logger, Interlocked.Read(ref _lost), exception);
        Settle();
    }

    /// <summary>An event waiting for the committer; settled once, written or not.</summary>
    private sealed class PendingEvent(MessageTracker tracker, MessageTrackingEvent trackingEvent) : IBatchItem
    {
        public long Size => 0;

        /// <summary>Tries after the first that failed because the store was away.</summary>
        public int Attempts { get; set; }

        public MessageTrackingEvent Row()
        {
            trackingEvent.Id = 0;
            return trackingEvent;
        }

        public void Complete() => tracker.Settle();

        public void Fail(Exception exception) => tracker.Failed(this, exception);
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
        e.Agent = CutTo(e.Agent, MessageTrackingEvent.AgentLength);
        e.Reason = CutTo(e.Reason, MessageTrackingEvent.DetailLength);
        e.SessionId = CutTo(e.SessionId, MessageTrackingEvent.SessionIdLength);
        e.Helo = CutTo(e.Helo, MessageTrackingEvent.HeloLength);
    }

    private static string? CutTo(string? text, int length) => text is { } t && t.Length > length ? t[..length] : text;
}
