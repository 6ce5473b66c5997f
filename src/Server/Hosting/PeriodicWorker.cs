namespace Mailflow.Server.Hosting;

/// <summary>
/// A background service that does one step every <see cref="Interval"/> until the host stops. A step that
/// throws (the store is away, say) is reported through <see cref="OnStepFailed"/> and tried again at the
/// next interval; it never ends the loop.
/// </summary>
public abstract class PeriodicWorker(TimeProvider time) : BackgroundService
{
    protected TimeProvider Time { get; } = time;

    /// <summary>The wait between the end of one step and the start of the next.</summary>
    protected abstract TimeSpan Interval { get; }

    protected abstract Task RunOnceAsync(CancellationToken stoppingToken);

    /// <summary>Logs a failed step; the next one comes at the next interval.</summary>
    protected abstract void OnStepFailed(Exception exception);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await RunOnceAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                OnStepFailed(exception);
            }
            try
            {
                await Task.Delay(Interval, Time, stoppingToken);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }
}
