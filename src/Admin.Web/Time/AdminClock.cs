using System.Globalization;
using Microsoft.JSInterop;

namespace Mailflow.Admin.Web.Time;

/// <summary>
/// How the admin center shows a point in time: in the admin's own time zone (the browser's, asked once per
/// circuit), always with the zone named, in one format on every page: <c>2026-12-07 14:05:09 UTC+1</c>
/// (ISO 8601 date order, 24-hour clock, whatever the browser's locale). Exports and the REST API write ISO
/// 8601 with the offset instead (<see cref="Iso"/>). Until the browser has answered (prerendering, a test
/// without JS), times are shown in UTC, labelled as such. Use it through the <c>AdminTime</c> component;
/// code that builds text (snackbars, chart labels) calls <see cref="Format"/>.
/// </summary>
public sealed class AdminClock
{
    private Task? _asking;

    /// <summary>The zone times are shown in; UTC until the browser has told its own.</summary>
    public TimeZoneInfo Zone { get; private set; } = TimeZoneInfo.Utc;

    /// <summary>Raised once when the browser's zone is known (components showing times render again).</summary>
    public event Action? Changed;

    /// <summary>Asks the browser for its time zone once per circuit; later calls wait for the same answer.</summary>
    public Task EnsureBrowserZoneAsync(IJSRuntime js) => _asking ??= AskAsync(js);

    private async Task AskAsync(IJSRuntime js)
    {
        string? id;
        try
        {
            id = await js.InvokeAsync<string?>("mailflowTime.zone");
        }
        catch (Exception ex) when (ex is JSException or InvalidOperationException or TaskCanceledException or JSDisconnectedException)
        {
            return; // Prerendering or a closed circuit: stay in UTC, which is labelled.
        }
        SetZone(id);
    }

    /// <summary>Sets the zone from an IANA id; an unknown or blank id leaves UTC.</summary>
    public void SetZone(string? ianaId)
    {
        if (string.IsNullOrWhiteSpace(ianaId) || !TimeZoneInfo.TryFindSystemTimeZoneById(ianaId, out var zone) || zone.Id == Zone.Id)
            return;
        Zone = zone;
        Changed?.Invoke();
    }

    /// <summary>The time in the admin's zone as <c>yyyy-MM-dd HH:mm:ss UTC+1</c> (<paramref name="seconds"/> false: without seconds).</summary>
    public string Format(DateTimeOffset time, bool seconds = true)
    {
        var local = TimeZoneInfo.ConvertTime(time, Zone);
        return local.ToString(seconds ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture) + " " + ZoneLabel(local.Offset);
    }

    /// <inheritdoc cref="Format(DateTimeOffset, bool)"/>
    public string Format(DateTimeOffset? time, bool seconds = true, string none = "—") => time is { } t ? Format(t, seconds) : none;

    /// <summary>The zone as an offset: <c>UTC</c>, <c>UTC+1</c>, <c>UTC-3:30</c> (abbreviations like CET are ambiguous and not known for every zone).</summary>
    public static string ZoneLabel(TimeSpan offset)
    {
        if (offset == TimeSpan.Zero)
            return "UTC";
        var sign = offset < TimeSpan.Zero ? "-" : "+";
        var abs = offset.Duration();
        return abs.Minutes == 0
            ? string.Create(CultureInfo.InvariantCulture, $"UTC{sign}{abs.Hours}")
            : string.Create(CultureInfo.InvariantCulture, $"UTC{sign}{abs.Hours}:{abs.Minutes:00}");
    }

    /// <summary>The admin's current zone label, for column headers and date pickers ("times in UTC+1").</summary>
    public string CurrentZoneLabel(DateTimeOffset now) => ZoneLabel(Zone.GetUtcOffset(now));

    /// <summary>ISO 8601 with offset, in UTC: the one format of exports (CSV) and the API.</summary>
    public static string Iso(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);

    /// <summary>A wall-clock time the admin typed (a date field) read in the admin's zone.</summary>
    public DateTimeOffset FromWallClock(DateTime value)
    {
        var unspecified = DateTime.SpecifyKind(value, DateTimeKind.Unspecified);
        return new DateTimeOffset(unspecified, Zone.GetUtcOffset(unspecified));
    }
}
