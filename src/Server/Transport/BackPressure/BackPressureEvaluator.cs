using Mailflow.Cluster;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.BackPressure;

/// <summary>
/// Turns a sample into levels per resource with hysteresis (Exchange's back pressure): a resource
/// enters Medium or High as soon as its threshold is crossed, and leaves a level only once the
/// measurement is back past that level's threshold by <see cref="OrganizationSettings.BackPressureHysteresisPercent"/>,
/// so a value hovering at a threshold does not flap. An unreachable database is High at once and Normal
/// as soon as it answers. Pure: the monitor keeps the previous levels.
/// </summary>
public static class BackPressureEvaluator
{
    private const double Megabyte = 1024 * 1024;

    public static IReadOnlyList<BackPressureReading> Evaluate(
        BackPressureSample sample, OrganizationSettings settings, IReadOnlyDictionary<BackPressureResource, BackPressureLevel> previous)
    {
        var hysteresis = settings.BackPressureHysteresisPercent / 100.0;
        BackPressureLevel Previous(BackPressureResource r) => previous.GetValueOrDefault(r, BackPressureLevel.Normal);
        var readings = new List<BackPressureReading>();

        if (sample.DiskFreeBytes is { } free && (settings.BackPressureDiskFreeMediumMegabytes > 0 || settings.BackPressureDiskFreeHighMegabytes > 0))
        {
            // Less free space is worse: compare the negated values.
            var level = Level(Previous(BackPressureResource.DiskSpace), -free / Megabyte,
                -settings.BackPressureDiskFreeMediumMegabytes, -settings.BackPressureDiskFreeHighMegabytes, hysteresis,
                settings.BackPressureDiskFreeMediumMegabytes > 0, settings.BackPressureDiskFreeHighMegabytes > 0);
            readings.Add(new(BackPressureResource.DiskSpace, level,
                $"free disk space in the data directory: {free / Megabyte:0} MB" + Limit(level, "below", settings.BackPressureDiskFreeMediumMegabytes, settings.BackPressureDiskFreeHighMegabytes, " MB")));
        }

        readings.Add(sample.DatabaseReachable
            ? new(BackPressureResource.Database, BackPressureLevel.Normal, "database reachable")
            : new(BackPressureResource.Database, BackPressureLevel.High, "database not reachable"));

        if (sample.MemoryPercent is { } memory && (settings.BackPressureMemoryMediumPercent > 0 || settings.BackPressureMemoryHighPercent > 0))
        {
            var level = Level(Previous(BackPressureResource.Memory), memory, settings.BackPressureMemoryMediumPercent, settings.BackPressureMemoryHighPercent,
                hysteresis, settings.BackPressureMemoryMediumPercent > 0, settings.BackPressureMemoryHighPercent > 0);
            readings.Add(new(BackPressureResource.Memory, level,
                $"memory in use: {memory:0.#} %" + Limit(level, "at or above", settings.BackPressureMemoryMediumPercent, settings.BackPressureMemoryHighPercent, " %")));
        }

        if (sample.SubmissionBacklog is { } backlog && (settings.BackPressureSubmissionMedium > 0 || settings.BackPressureSubmissionHigh > 0))
        {
            var level = Level(Previous(BackPressureResource.SubmissionBacklog), backlog, settings.BackPressureSubmissionMedium, settings.BackPressureSubmissionHigh,
                hysteresis, settings.BackPressureSubmissionMedium > 0, settings.BackPressureSubmissionHigh > 0);
            readings.Add(new(BackPressureResource.SubmissionBacklog, level,
                $"submission queue: {backlog} messages" + Limit(level, "at or above", settings.BackPressureSubmissionMedium, settings.BackPressureSubmissionHigh, "")));
        }
        return readings;
    }

    /// <summary>The level of a "higher is worse" value; a level is kept until the value falls below its threshold by the hysteresis.</summary>
    private static BackPressureLevel Level(BackPressureLevel previous, double value, double medium, double high, double hysteresis, bool mediumOn, bool highOn)
    {
        static double Recovery(double threshold, double hysteresis) => threshold - Math.Abs(threshold) * hysteresis;
        if (highOn && (value >= high || (previous == BackPressureLevel.High && value >= Recovery(high, hysteresis))))
            return BackPressureLevel.High;
        if (mediumOn && (value >= medium || (previous >= BackPressureLevel.Medium && value >= Recovery(medium, hysteresis))))
            return BackPressureLevel.Medium;
        return BackPressureLevel.Normal;
    }

    private static string Limit(BackPressureLevel level, string relation, int medium, int high, string unit) => level switch
    {
        BackPressureLevel.High => $" (high {relation} {high}{unit})",
        BackPressureLevel.Medium => $" (medium {relation} {medium}{unit})",
        _ => "",
    };
}
