using System.Runtime.InteropServices;

namespace Mailflow.Security;

/// <summary>
/// The data directory holds the store, the key-encryption certificate, TLS keys and logs: only the
/// server's own user may read it. The process creates everything with umask 077 (directories 0700,
/// files 0600 — SQLite gives its -wal/-shm files the database file's mode), and the start-up check
/// names whatever is looser, e.g. files left by an older version.
/// </summary>
public static partial class DataDirectoryPermissions
{
    public const UnixFileMode DirectoryMode = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute;
    public const UnixFileMode FileMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
    private const UnixFileMode GroupOrOther =
        UnixFileMode.GroupRead | UnixFileMode.GroupWrite | UnixFileMode.GroupExecute |
        UnixFileMode.OtherRead | UnixFileMode.OtherWrite | UnixFileMode.OtherExecute;

    /// <summary>How many entries the start-up check looks at, at most (a Maildir under the data directory can be huge).</summary>
    public const int MaxEntriesChecked = 10_000;

    [DllImport("libc", EntryPoint = "umask")]
    private static extern uint SetUmask(uint mask);

    /// <summary>Makes every file this process creates private to its user (umask 077), then creates the data directory 0700.</summary>
    public static void Prepare(string dataDirectory)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(dataDirectory);
            return;
        }
        SetUmask(0b000_111_111);
        if (!Directory.Exists(dataDirectory))
            Directory.CreateDirectory(dataDirectory, DirectoryMode);
    }

    /// <summary>The data directory itself and the entries under it that group or others may read, write or enter (bounded walk, symlinks not followed).</summary>
    public static IReadOnlyList<string> FindLoose(string dataDirectory)
    {
        var loose = new List<string>();
        if (OperatingSystem.IsWindows() || !Directory.Exists(dataDirectory))
            return loose;
        if ((File.GetUnixFileMode(dataDirectory) & GroupOrOther) != 0)
            loose.Add(dataDirectory);
        var options = new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true, AttributesToSkip = FileAttributes.ReparsePoint };
        var seen = 0;
        foreach (var entry in new DirectoryInfo(dataDirectory).EnumerateFileSystemInfos("*", options))
        {
            if (++seen > MaxEntriesChecked)
                break;
            if ((entry.UnixFileMode & GroupOrOther) != 0)
                loose.Add(entry.FullName);
        }
        return loose;
    }
}
