using Mailflow.Configuration;
using Mailflow.Queue;

namespace Mailflow.Admin.Web.Tests;

/// <summary>An <see cref="IQueueOperations"/> that serves a fixed set of messages and records every query and action, for page tests.</summary>
public sealed class RecordingQueueOperations : IQueueOperations
{
    public List<QueueMessageQuery> Queries { get; } = [];
    public List<(string Action, IReadOnlyCollection<string> QueueIds)> Actions { get; } = [];
    public List<(QueueAction Action, QueueMessageFilter Filter)> FilterActions { get; } = [];
    /// <summary>Completes the filter-wide action (by default at once); tests hold it to see the progress shown meanwhile.</summary>
    public Task FilterActionGate { get; set; } = Task.CompletedTask;
    public List<NextHopQueueSummary> Queues { get; } = [];
    public List<QueuedMessageSummary> Messages { get; } = [];
    public QueueDigest Digest { get; set; } = new(new Dictionary<QueueMessageStatus, int>(), []);

    public Task<QueueDigest> GetDigestAsync(CancellationToken cancellationToken = default) => Task.FromResult(Digest);

    public Task<IReadOnlyList<NextHopQueueSummary>> ListQueuesAsync(CancellationToken cancellationToken = default) =>
        Task.FromResult<IReadOnlyList<NextHopQueueSummary>>(Queues.ToList());

    public Task<QueueMessagePage> ListMessagesAsync(QueueMessageQuery query, CancellationToken cancellationToken = default)
    {
        lock (Queries)
            Queries.Add(query);
        var matching = Matching(query);
        return Task.FromResult(new QueueMessagePage(matching.Skip(query.Skip).Take(query.Take).ToList(), matching.Count));
    }

    public Task<int> CountMessagesAsync(QueueMessageFilter filter, CancellationToken cancellationToken = default) =>
        Task.FromResult(Matching(filter).Count);

    public async Task<int> ApplyToMatchingAsync(AdminActor actor, QueueMessageFilter filter, QueueAction action, CancellationToken cancellationToken = default)
    {
        lock (FilterActions)
            FilterActions.Add((action, filter));
        await FilterActionGate;
        return Matching(filter).Count;
    }

    private List<QueuedMessageSummary> Matching(QueueMessageFilter filter) =>
        Messages.Where(m => filter.Sender is null || m.Sender.Contains(filter.Sender, StringComparison.OrdinalIgnoreCase)).ToList();

    /// <summary>What the message details dialog reads, by queue id (none: the message is gone).</summary>
    public Dictionary<string, QueuedMessageDetails> Details { get; } = [];

    public Task<QueuedMessageDetails?> GetMessageAsync(string queueId, CancellationToken cancellationToken = default) =>
        Task.FromResult(Details.GetValueOrDefault(queueId));

    public Task<int> ApplyAsync(AdminActor actor, QueueAction action, IReadOnlyCollection<string> queueIds, CancellationToken cancellationToken = default) =>
        Record(action switch
        {
            QueueAction.Suspend => "suspend",
            QueueAction.Resume => "resume",
            QueueAction.RetryNow => "retry",
            QueueAction.Release => "release",
            QueueAction.RemoveWithNdr => "remove-ndr",
            _ => "remove",
        }, queueIds);
    public Task SuspendQueueAsync(AdminActor actor, string nextHopKey, CancellationToken cancellationToken = default) => Record("suspend-queue", [nextHopKey]);
    public Task<int> ResumeQueueAsync(AdminActor actor, string nextHopKey, CancellationToken cancellationToken = default) => Record("resume-queue", [nextHopKey]);
    public Task<int> RetryQueueAsync(AdminActor actor, string nextHopKey, CancellationToken cancellationToken = default) => Record("retry-queue", [nextHopKey]);
    public Task<Stream?> ExportAsync(AdminActor actor, string queueId, CancellationToken cancellationToken = default) => Task.FromResult<Stream?>(null);

    private Task<int> Record(string action, IReadOnlyCollection<string> queueIds)
    {
        lock (Actions)
            Actions.Add((action, queueIds));
        return Task.FromResult(queueIds.Count);
    }

    public static QueuedMessageSummary Message(int n, string sender = "alice@contoso.test") =>
        new(n, $"Q{n:D6}", QueuedMessageState.Categorized, sender, $"Subject {n}", null, 1000 + n,
            new DateTimeOffset(2026, 11, 24, 12, 0, 0, TimeSpan.Zero).AddMinutes(n), null, 1, $"rcpt{n}@fabrikam.test", n % 3, n % 3 == 0 ? null : "451 4.7.1 Greylisted");
}
