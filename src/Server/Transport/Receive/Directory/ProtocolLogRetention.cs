using System.Globalization;

namespace Mailflow.Server.Transport.Receive.Directory;

/// <summary>
/// Deletes a log kind's hourly files (<c>{prefix}yyyyMMddHH.log</c>) that are older than the maximum age, then the
/// oldest ones until the kind fits its size limit. The file being written is never deleted.
/// </summary>
public static class ProtocolLogRetention
{
    /// <summary>With the admin-managed limits (0 = no limit of that kind).</summary>
    public static int Prune(string directory, string prefix, string currentFile, Mailflow.Configuration.LogRetentionSettings limits, DateTimeOffset now) =>
        Prune(directory, prefix, currentFile,
            limits.ProtocolLogMaxAgeDays > 0 ? TimeSpan.FromDays(limits.ProtocolLogMaxAgeDays) : TimeSpan.MaxValue,
            limits.ProtocolLogMaxSizeMegabytes > 0 ? limits.ProtocolLogMaxSizeMegabytes * 1024L * 1024L : long.MaxValue, now);

    public static int Prune(string directory, string prefix, string currentFile, TimeSpan maxAge, long maxBytes, DateTimeOffset now)
    {
        if (!System.IO.Directory.Exists(directory))
            return 0;
        var files = new DirectoryInfo(directory).EnumerateFiles($"{prefix}*.log")
            .Select(f => (File: f, Hour: HourOf(f.Name, prefix)))
            .Where(f => f.Hour is not null && !string.Equals(f.File.Name, currentFile, StringComparison.Ordinal))
            .OrderBy(f => f.Hour)
            .ToList();
        var deleted = 0;
        var total = files.Sum(f => f.File.Length) + (File.Exists(Path.Combine(directory, currentFile)) ? new FileInfo(Path.Combine(directory, currentFile)).Length : 0);
        foreach (var (file, hour) in files)
        {
            // An hour's file is complete at the end of that hour: its age counts from then.
            var tooOld = maxAge != TimeSpan.MaxValue && now - hour!.Value.AddHours(1) > maxAge;
            if (!tooOld && total <= maxBytes)
                break;
            var length = file.Length;
            try
            {
                file.Delete();
                deleted++;
                total -= length;
            }
            catch (IOException)
            {
                // A reader holds it open; it goes at the next rotation.
            }
        }
        return deleted;
    }

    private static DateTimeOffset? HourOf(string name, string prefix) =>
        name.Length == prefix.Length + 14 && DateTimeOffset.TryParseExact(name.AsSpan(prefix.Length, 10), "yyyyMMddHH", CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out var hour) ? hour : null;
}
