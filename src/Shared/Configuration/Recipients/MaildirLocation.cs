using Microsoft.Extensions.Options;

namespace Mailflow.Configuration;

/// <summary>
/// Where Maildir delivery may write: under the mail root (<c>Mailflow:MailRoot</c>, default
/// <c>{DataDirectory}/maildir</c>) and nowhere else — not the certificates, the key-encryption
/// certificate or the database next to it. A relative target is under the data directory (as the
/// default <c>maildir/&lt;address&gt;</c> targets are). Symbolic links are resolved first, so a link
/// inside the mail root cannot point out of it. Used when a target is saved and again at delivery.
/// </summary>
public sealed class MaildirLocation(IOptions<MailflowOptions> options)
{
    public string MailRoot => options.Value.ResolvedMailRoot;

    /// <summary>The real path a target delivers to, or null with the reason when it would leave the mail root.</summary>
    public string? Resolve(string target, out string? error)
    {
        error = null;
        string full;
        try
        {
            full = Path.GetFullPath(Path.IsPathRooted(target) ? target : Path.Combine(options.Value.ResolvedDataDirectory, target));
        }
        catch (Exception exception) when (exception is ArgumentException or NotSupportedException or PathTooLongException)
        {
            error = "That is not a valid folder path.";
            return null;
        }
        var root = RealPath(MailRoot);
        var real = RealPath(full);
        if (!real.StartsWith(root.TrimEnd(Path.DirectorySeparatorChar) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
        {
            error = $"Maildir folders must be inside the mail root {MailRoot} (Mailflow:MailRoot).";
            return null;
        }
        return real;
    }

    /// <summary>
    /// The path with every symbolic link along it resolved: the longest existing prefix is resolved
    /// component by component, the part that does not exist yet is appended as it is.
    /// </summary>
    public static string RealPath(string path)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full)!;
        var current = root;
        var parts = full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
        for (var i = 0; i < parts.Length; i++)
        {
            var next = Path.Combine(current, parts[i]);
            FileSystemInfo info = Directory.Exists(next) ? new DirectoryInfo(next) : new FileInfo(next);
            if (!info.Exists)
                return Path.Combine([current, .. parts[i..]]);
            current = info.LinkTarget is null ? next : Path.GetFullPath(RealPath(info.ResolveLinkTarget(returnFinalTarget: true)!.FullName));
        }
        return current;
    }
}
