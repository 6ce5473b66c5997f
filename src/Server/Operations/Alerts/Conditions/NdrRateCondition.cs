using Mailflow.Operations.Alerts;
using Mailflow.Tracking;
using Microsoft.EntityFrameworkCore;

namespace Mailflow.Server.Operations.Alerts.Conditions;

/// <summary>
/// NDRs (recipients failed permanently: the message trace's Fail events) in the last interval over the fixed
/// limit, or over k × the usual rate (the same interval's average over the 24 hours before it).
/// </summary>
public sealed class NdrRateCondition : IAlertCondition
{
    public const string Subject = "organization";

    public IReadOnlyList<AlertKind> Kinds { get; } = [AlertKind.NdrSpike];

    public async Task<IReadOnlyList<AlertObservation>> ObserveAsync(AlertContext context, CancellationToken cancellationToken)
    {
        var settings = context.Settings;
        if (settings.NdrThreshold <= 0 && settings.NdrSpikeFactor <= 0)
            return [];
        var interval = TimeSpan.FromMinutes(settings.NdrIntervalMinutes);
        var from = context.Now - interval;
        var dayBefore = from - TimeSpan.FromDays(1);
        var fails = context.Db.MessageTrackingEvents.Where(e => e.Kind == MessageTrackingEventKind.Fail);
        var recent = await fails.Where(e => e.Time >= from && e.Time <= context.Now).SumAsync(e => e.RecipientCount > 0 ? e.RecipientCount : 1, cancellationToken);
        var before = await fails.Where(e => e.Time >= dayBefore && e.Time < from).SumAsync(e => e.RecipientCount > 0 ? e.RecipientCount : 1, cancellationToken);
        var usual = before * interval.TotalMinutes / TimeSpan.FromDays(1).TotalMinutes;

        var overLimit = settings.NdrThreshold > 0 && recent > settings.NdrThreshold;
        var spike = settings.NdrSpikeFactor > 0 && recent >= Math.Max(1, settings.NdrSpikeMinimum) && recent > settings.NdrSpikeFactor * usual;
        if (!overLimit && !spike)
            return [];
        var why = overLimit
            ? $"more than the limit of {settings.NdrThreshold}"
            : $"more than {settings.NdrSpikeFactor:0.#} × the usual {usual:0.#}";
        return [new AlertObservation(AlertKind.NdrSpike, Subject, AlertSeverity.Warning,
            $"{recent} recipients failed permanently (NDRs) in the last {AlertWords.Duration(interval)}: {why}.",
            $"{recent} NDRs since {from:u}; {before} in the 24 hours before (usual {usual:0.##} per {settings.NdrIntervalMinutes} minutes). Look for a broken send connector, a rule rejecting mail or a mass mailing to stale addresses.")];
    }
}
