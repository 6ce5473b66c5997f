using System.Reflection;
using System.Runtime.InteropServices;

namespace Mailflow.Cluster;

/// <summary>
/// What this build is: the version and the git commit stamped at build time, and the .NET runtime. The .NET
/// SDK puts the commit of the repository being built (<c>SourceRevisionId</c>, from Source Link) into the
/// informational version, <c>1.0.0+3f2a9c1…</c>; every assembly of one build carries the same. A build
/// outside a git checkout has no commit ("unknown") unless one is passed (<c>-p:SourceRevisionId=…</c>,
/// as the Dockerfile does).
/// </summary>
public sealed record BuildInfo(string Version, string Commit, string Framework)
{
    public const string UnknownCommit = "unknown";

    public static BuildInfo Current { get; } = Read(typeof(BuildInfo).Assembly);

    /// <summary>The commit's first 12 characters, for the footer.</summary>
    public string ShortCommit => Commit.Length > 12 && Commit != UnknownCommit ? Commit[..12] : Commit;

    public static BuildInfo Read(Assembly assembly)
    {
        var informational = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion
            ?? assembly.GetName().Version?.ToString() ?? "0.0.0";
        return Parse(informational);
    }

    /// <summary>"1.2.3+abc" → version 1.2.3, commit abc; no "+" → no commit.</summary>
    public static BuildInfo Parse(string informationalVersion)
    {
        var plus = informationalVersion.IndexOf('+', StringComparison.Ordinal);
        var version = plus < 0 ? informationalVersion : informationalVersion[..plus];
        var commit = plus < 0 || plus == informationalVersion.Length - 1 ? UnknownCommit : informationalVersion[(plus + 1)..];
        return new BuildInfo(version, commit, RuntimeInformation.FrameworkDescription);
    }
}
