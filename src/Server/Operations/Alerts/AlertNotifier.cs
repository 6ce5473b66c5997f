using System.Threading.Channels;
using Mailflow.Configuration;
using Mailflow.Operations.Alerts;

namespace Mailflow.Server.Operations.Alerts;

/// <summary>One alert raised or cleared, to tell the admins about.</summary>
public sealed record AlertNotification(AlertRecord Alert, bool Raised, DateTimeOffset At);

/// <summary>
/// Tells admins about raised and cleared alerts, off the evaluator's loop: by mail (<see cref="AlertMail"/>, through
/// our own queue) and by webhook (<see cref="AlertWebhook"/>, retried with backoff), as the operations settings say.
/// </summary>
public sealed class AlertNotifier(AlertMail mail, AlertWebhook webhook, TransportConfigProvider config, ILogger<AlertNotifier> logger) : BackgroundService
{
    private readonly Channel<AlertNotification> _pending = Channel.CreateBounded<AlertNotification>(
        new BoundedChannelOptions(1000) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

    public void Enqueue(AlertChanges changes, TransportConfig snapshot)
    {
        var alerts = snapshot.Operations.Alerts ?? new AlertSettings();
        if (alerts.NotifyAddress.Length == 0 && alerts.WebhookUrl.Length == 0)
            return;
        foreach (var raised in changes.Raised)
            _pending.Writer.TryWrite(new AlertNotification(raised, true, raised.RaisedAt));
        foreach (var cleared in changes.Cleared)
            _pending.Writer.TryWrite(new AlertNotification(cleared, false, cleared.ClearedAt ?? cleared.LastSeenAt));
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await foreach (var notification in _pending.Reader.ReadAllAsync(stoppingToken))
            {
                var settings = config.Current.Operations;
                var alerts = settings.Alerts ?? new AlertSettings();
                if (alerts.WebhookUrl.Length > 0)
                    webhook.Send(notification, alerts.WebhookUrl, settings, stoppingToken);
                if (alerts.NotifyAddress.Length > 0)
                {
                    try
                    {
                        await mail.SendAsync(notification, alerts.NotifyAddress, config.Current, stoppingToken);
                    }
                    catch (Exception exception) when (exception is not OperationCanceledException)
                    {
                        logger.LogWarning(exception, "The alert mail about {Kind} {Subject} could not be queued", notification.Alert.Kind, notification.Alert.Subject);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        await webhook.DrainAsync();
    }
}
