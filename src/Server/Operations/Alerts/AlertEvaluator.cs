using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Server.Hosting;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace Mailflow.Server.Operations.Alerts;

/// <summary>
/// The alert evaluator: every <see cref="AlertOptions.EvaluationIntervalSeconds"/> it asks each
/// <see cref="IAlertCondition"/> what holds now, raises and clears alerts through <see cref="AlertStore"/>, updates
/// the gauge and hands what it raised or cleared to the <see cref="AlertNotifier"/>. Thresholds come from the
/// configuration snapshot (operations settings). Every node evaluates; the store makes each alert raised once.
/// </summary>
public sealed class AlertEvaluator(
    IEnumerable<IAlertCondition> conditions,
    AlertStore store,
    AlertNotifier notifier,
    TransportConfigProvider config,
    IDbContextFactory<MailflowDbContext> dbFactory,
    IOptions<MailflowOptions> mailflow,
    IOptions<AlertOptions> options,
    TimeProvider time,
    ILogger<AlertEvaluator> logger) : PeriodicWorker(time)
{
    protected override TimeSpan Interval => TimeSpan.FromSeconds(Math.Max(0.05, options.Value.EvaluationIntervalSeconds));

    protected override Task RunOnceAsync(CancellationToken stoppingToken) => EvaluateOnceAsync(stoppingToken);

    protected override void OnStepFailed(Exception exception) => logger.LogWarning(exception, "Alert evaluation failed; trying again at the next interval");

    /// <summary>One evaluation (also what tests call).</summary>
    public async Task<AlertChanges> EvaluateOnceAsync(CancellationToken cancellationToken)
    {
        var snapshot = config.Current;
        var settings = snapshot.Operations.Alerts ?? new AlertSettings();
        var node = mailflow.Value.ResolvedNodeName;
        var now = Time.GetUtcNow();
        var evaluated = new List<Mailflow.Operations.Alerts.AlertKind>();
        var observations = new List<AlertObservation>();
        foreach (var condition in conditions)
        {
            if (!settings.Enabled)
            {
                evaluated.AddRange(condition.Kinds);
                continue;
            }
            try
            {
                await using var db = await dbFactory.CreateDbContextAsync(cancellationToken);
                observations.AddRange(await condition.ObserveAsync(new AlertContext(db, snapshot, settings, now, node), cancellationToken));
                evaluated.AddRange(condition.Kinds);
            }
            catch (Exception exception) when (exception is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning(exception, "Alert condition {Condition} could not be evaluated; its alerts stay as they were", condition.GetType().Name);
            }
        }
        var changes = await store.ApplyAsync(evaluated, observations, node, now, cancellationToken);
        AlertMetrics.Set(await store.CountActiveAsync(cancellationToken));
        foreach (var raised in changes.Raised)
            logger.LogWarning("Alert raised: {Kind} {Subject}: {Text}", raised.Kind, raised.Subject, raised.Text);
        foreach (var cleared in changes.Cleared)
            logger.LogInformation("Alert cleared: {Kind} {Subject}", cleared.Kind, cleared.Subject);
        notifier.Enqueue(changes, snapshot);
        return changes;
    }
}
