using System.Globalization;
using Mailflow.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mailflow.Configuration;

/// <summary>
/// On PostgreSQL: LISTENs on <see cref="ConfigurationChangeWriter.NotifyChannel"/> over a dedicated
/// connection and republishes every generation another node saved on this node's change bus.
/// Reconnects (and LISTENs again) after a failure; the refresh loop's poll covers the gap.
/// </summary>
public sealed partial class PostgresConfigurationListener(
    StoreSettings store,
    IConfigurationChangeBus bus,
    TimeProvider time,
    ILogger<PostgresConfigurationListener> logger) : BackgroundService
{
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(2);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store.Provider != DatabaseProvider.Postgres)
            return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(store.ConnectionString);
                await connection.OpenAsync(stoppingToken);
                connection.Notification += (_, e) =>
                {
                    if (long.TryParse(e.Payload, NumberStyles.Integer, CultureInfo.InvariantCulture, out var generation))
                        bus.Publish(generation);
                };
                await using (var listen = new NpgsqlCommand($"LISTEN {ConfigurationChangeWriter.NotifyChannel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                Log.Listening(logger, ConfigurationChangeWriter.NotifyChannel);
                while (!stoppingToken.IsCancellationRequested)
                    await connection.WaitAsync(stoppingToken);
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception ex)
            {
                Log.ListenFailed(logger, ex);
                try
                {
                    await Task.Delay(ReconnectDelay, time, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(102, LogLevel.Debug, "Listening for configuration changes on channel {Channel}")]
        public static partial void Listening(ILogger logger, string channel);

        [LoggerMessage(103, LogLevel.Warning, "Configuration change listener lost its connection; reconnecting")]
        public static partial void ListenFailed(ILogger logger, Exception exception);
    }
}
