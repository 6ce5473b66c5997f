using System.Globalization;
using Mailflow.Data;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Mailflow.Configuration;

/// <summary>
/// On PostgreSQL: LISTENs on <see cref="ConfigurationChangeWriter.NotifyChannel"/> over a dedicated
/// connection and republishes every generation another node saved on this node's change bus.
/// The first LISTEN is in place before start-up completes, and after every (re)LISTEN the bus is
/// told to re-check the stored generation: a change committed while nobody was listening (between
/// loading the snapshot and LISTEN, or during a reconnect) is picked up at once, not at the next poll.
/// </summary>
public sealed partial class PostgresConfigurationListener(
    StoreSettings store,
    IConfigurationChangeBus bus,
    TimeProvider time,
    ILogger<PostgresConfigurationListener> logger) : BackgroundService
{
    /// <summary>Published after LISTEN: "no particular generation — compare with the store".</summary>
    public const long RecheckSignal = 0;
    private static readonly TimeSpan ReconnectDelay = TimeSpan.FromSeconds(2);
    private NpgsqlConnection? _first;

    public override async Task StartAsync(CancellationToken cancellationToken)
    {
        if (store.Provider == DatabaseProvider.Postgres)
        {
            try
            {
                _first = await ListenAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                Log.ListenFailed(logger, ex);
            }
        }
        await base.StartAsync(cancellationToken);
    }

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        if (store.Provider != DatabaseProvider.Postgres)
            return;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = Interlocked.Exchange(ref _first, null) ?? await ListenAsync(stoppingToken);
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

    private async Task<NpgsqlConnection> ListenAsync(CancellationToken cancellationToken)
    {
        var connection = new NpgsqlConnection(store.ConnectionString);
        try
        {
            await connection.OpenAsync(cancellationToken);
            connection.Notification += (_, e) =>
            {
                if (long.TryParse(e.Payload, NumberStyles.Integer, CultureInfo.InvariantCulture, out var generation))
                    bus.Publish(generation);
            };
            await using (var listen = new NpgsqlCommand($"LISTEN {ConfigurationChangeWriter.NotifyChannel}", connection))
                await listen.ExecuteNonQueryAsync(cancellationToken);
            Log.Listening(logger, ConfigurationChangeWriter.NotifyChannel);
            bus.Publish(RecheckSignal);
            return connection;
        }
        catch
        {
            await connection.DisposeAsync();
            throw;
        }
    }

    public override void Dispose()
    {
        _first?.Dispose();
        base.Dispose();
    }

    private static partial class Log
    {
        [LoggerMessage(102, LogLevel.Debug, "Listening for configuration changes on channel {Channel}")]
        public static partial void Listening(ILogger logger, string channel);

        [LoggerMessage(103, LogLevel.Warning, "Configuration change listener lost its connection; reconnecting")]
        public static partial void ListenFailed(ILogger logger, Exception exception);
    }
}
