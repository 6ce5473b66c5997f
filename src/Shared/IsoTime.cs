using System.Globalization;

namespace Mailflow;

/// <summary>The one machine-readable time format: ISO 8601 in UTC with milliseconds (<c>2026-12-07T12:00:05.000Z</c>), for exports and attributes.</summary>
public static class IsoTime
{
    public static string Utc(DateTimeOffset time) => time.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture);
}
