namespace Mailflow.Admin.Web.Components.Shared;

public enum DurationUnit
{
    Seconds = 1,
    Minutes = 60,
    Hours = 3600,
    Days = 86400,
}

/// <summary>Durations are stored as seconds and shown in the largest unit that states them exactly ("2 days", not "172800").</summary>
public static class DurationUnits
{
    public static (decimal Amount, DurationUnit Unit) Split(long seconds)
    {
        foreach (var unit in new[] { DurationUnit.Days, DurationUnit.Hours, DurationUnit.Minutes })
            if (seconds != 0 && seconds % (int)unit == 0)
                return (seconds / (int)unit, unit);
        return (seconds, DurationUnit.Seconds);
    }

    /// <summary>Rounded to whole seconds (1.5 minutes = 90 seconds).</summary>
    public static long ToSeconds(decimal amount, DurationUnit unit) => (long)Math.Round(amount * (int)unit, MidpointRounding.AwayFromZero);

    public static string Label(DurationUnit unit) => unit switch
    {
        DurationUnit.Seconds => "seconds",
        DurationUnit.Minutes => "minutes",
        DurationUnit.Hours => "hours",
        DurationUnit.Days => "days",
        _ => unit.ToString(),
    };
}
