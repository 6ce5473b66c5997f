using Mailflow.Configuration;
using Mailflow.Data;
using Mailflow.Operations.Alerts;

namespace Mailflow.Server.Operations.Alerts;

/// <summary>A condition that holds now: raised when it is new, kept while it holds, cleared when it no longer does.</summary>
/// <param name="NodeScoped">True for what a node sees about itself (back pressure, its SMTP certificate): only that node clears it.</param>
public sealed record AlertObservation(AlertKind Kind, string Subject, AlertSeverity Severity, string Text, string Details, bool NodeScoped = false);

/// <summary>What one evaluation reads: the store, the snapshot, the thresholds, the clock, this node.</summary>
public sealed record AlertContext(MailflowDbContext Db, TransportConfig Config, AlertSettings Settings, DateTimeOffset Now, string NodeName);

/// <summary>One family of alert conditions. A condition that throws leaves its kinds' alerts as they were (never cleared by a failed look).</summary>
public interface IAlertCondition
{
    IReadOnlyList<AlertKind> Kinds { get; }

    Task<IReadOnlyList<AlertObservation>> ObserveAsync(AlertContext context, CancellationToken cancellationToken);
}

/// <summary>Durations as people say them, for alert texts.</summary>
public static class AlertWords
{
    public static string Duration(TimeSpan span) =>
        span.TotalDays >= 2 ? $"{(int)span.TotalDays} days"
        : span.TotalHours >= 2 ? $"{(int)span.TotalHours} hours"
        : span.TotalMinutes >= 2 ? $"{(int)span.TotalMinutes} minutes"
        : $"{Math.Max(0, (int)span.TotalSeconds)} seconds";
}
