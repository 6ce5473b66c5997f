using System.Threading.Channels;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Mailflow.Configuration;

/// <summary>
/// Keeps the snapshot current: reloads when the change bus signals, and polls the stored generation
/// on an interval as the safety net for a missed NOTIFY (and for SQLite, which has none). Each poll
/// also heartbeats the node registry.
/// </summary>
public sealed partial class ConfigurationRefreshLoop(
    TransportConfigProvider provider,
    IConfigurationChangeBus bus,
    IOptions<MailflowOptions> options,
    TimeProvider time,
    ILogger<ConfigurationRefreshLoop> logger) : BackgroundService
{
    private readonly Channel<long> _signals = Channel.CreateBounded<long>(new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest });

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        // The first snapshot is loaded before the host reports started, so the engine never runs on an empty configuration.
        await provider.RefreshAsync(cancellationToken);
        bus.Changed += OnChanged;
        await base.StartAsync(cancellationToken);
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        bus.Changed -= OnChanged;
        await base.StopAsync(cancellationToken);
    }

    private void OnChanged(long generation) => _signals.Writer.TryWrite(generation);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = TimeSpan.FromSeconds(Math.Max(1, options.Value.ConfigPollIntervalSeconds));
        while (!stoppingToken.IsCancellationRequested)
        {
            using var pollTimeout = new CancellationTokenSource(interval, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, pollTimeout.Token);
            var signalled = false;
            try
            {
                signalled = await _signals.Reader.WaitToReadAsync(linked.Token);
                while (_signals.Reader.TryRead(out _)) { }
            }
            catch (OperationCanceledException) when (!stoppingToken.IsCancellationRequested)
            {
                // Poll interval elapsed.
            }
            catch (OperationCanceledException)
            {
                return;
            }

            try
            {
                await provider.RefreshAsync(stoppingToken);
                if (!signalled)
                    await provider.HeartbeatAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                // The store may be briefly unreachable; the engine keeps its current snapshot and tries again.
                Log.RefreshFailed(logger, ex);
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(101, LogLevel.Warning, "Configuration refresh failed; keeping the current snapshot")]
        public static partial void RefreshFailed(ILogger logger, Exception exception);
    }
}
