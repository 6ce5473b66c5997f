using Mailflow.Cluster;

namespace Mailflow.Server.Transport.BackPressure;

/// <summary>The back pressure monitor's log lines: every change of level, with why.</summary>
internal static partial class BackPressureLog
{
    [LoggerMessage(4001, LogLevel.Warning, "Back pressure {Previous} → {Level}: {Why}")]
    public static partial void LevelChanged(ILogger logger, BackPressureLevel previous, BackPressureLevel level, string why);

    [LoggerMessage(4002, LogLevel.Information, "Back pressure {Previous} → Normal: recovered ({Readings})")]
    public static partial void Recovered(ILogger logger, BackPressureLevel previous, string readings);

    [LoggerMessage(4003, LogLevel.Warning, "Back pressure: the database did not answer the backlog query ({Error})")]
    public static partial void DatabaseUnreachable(ILogger logger, string error);

    [LoggerMessage(4004, LogLevel.Error, "Back pressure: sampling failed")]
    public static partial void SampleFailed(ILogger logger, Exception exception);
}
