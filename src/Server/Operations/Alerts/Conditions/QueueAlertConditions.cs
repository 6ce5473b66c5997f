using System.Collections.Concurrent;
using Mailflow.Operations.Alerts;
using Mailflow.Queue;

namespace Mailflow.Server.Operations.Alerts.Conditions;

/// <summary>
/// From the queue list (<see cref="QueueQueries.ListQueuesAsync"/>, the queue viewer's query): a queue whose oldest
/// message waited longer than the threshold, and a next hop whose last attempt failed and keeps failing for the
/// threshold. How long a next hop has been failing is this node's observation (since it first saw the failure).
/// </summary>
public sealed class QueueAlertConditions : IAlertCondition
{
    private readonly ConcurrentDictionary<string, DateTimeOffset> _failingSince = new(StringComparer.Ordinal);

    public IReadOnlyList<AlertKind> Kinds { get; } = [AlertKind.QueueAge, AlertKind.NextHopFailing];

    public async Task<IReadOnlyList<AlertObservation>> ObserveAsync(AlertContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        var queues = await QueueQueries.ListQueuesAsync(context.Db, context.Now, context.Config, cancellationToken);
        var observations = new List<AlertObservation>();
        if (settings.QueueOldestMessageMinutes > 0)
        {
            var limit = TimeSpan.FromMinutes(settings.QueueOldestMessageMinutes);
            foreach (var queue in queues)
            {
                if (queue.OldestQueuedAt is not { } oldest || context.Now - oldest <= limit)
                    continue;
                var age = context.Now - oldest;
                observations.Add(new AlertObservation(AlertKind.QueueAge, queue.DisplayName,
                    age > 4 * limit ? AlertSeverity.Critical : AlertSeverity.Warning,
                    $"The oldest message in the queue \"{queue.DisplayName}\" has waited {AlertWords.Duration(age)} (the limit is {AlertWords.Duration(limit)}).",
                    $"{queue.MessageCount} messages, {queue.RecipientCount} recipients, status {queue.Status}" + (queue.LastError is { } error ? $"; last error: {error}" : "")));
            }
        }

        var failing = queues.Where(q => q.Kind is NextHopQueueKind.Delivery or NextHopQueueKind.Unreachable && q.LastError is not null && q.Status != NextHopQueueStatus.Suspended).ToList();
        foreach (var gone in _failingSince.Keys.Except(failing.Select(q => q.NextHopKey), StringComparer.Ordinal))
            _failingSince.TryRemove(gone, out _);
        foreach (var queue in failing)
        {
            var since = _failingSince.GetOrAdd(queue.NextHopKey, queue.LastErrorAt is { } at && at < context.Now ? at : context.Now);
            var failingFor = context.Now - since;
            if (failingFor < TimeSpan.FromMinutes(settings.NextHopFailingMinutes))
                continue;
            observations.Add(new AlertObservation(AlertKind.NextHopFailing, queue.DisplayName, AlertSeverity.Critical,
                $"Deliveries to \"{queue.DisplayName}\" have been failing for {AlertWords.Duration(failingFor)}; {queue.MessageCount} messages wait for it.",
                $"Last error ({queue.LastErrorAttempts} attempts): {queue.LastError}" + (queue.NextRetryAt is { } next ? $"; next retry {next:u}" : "")));
        }
        return observations;
    }
}
