using System.Diagnostics;

namespace Mailflow.Cluster;

/// <summary>
/// What this node is running and since when: the answer of <c>/api/v1/about</c> and the admin center's footer.
/// </summary>
public sealed record NodeAbout(string Version, string Commit, string Framework, string Node, DateTimeOffset StartedAt)
{
    /// <summary>When this process started (the operating system's record of it, in UTC).</summary>
    public static DateTimeOffset ProcessStartedAt { get; } = new(Process.GetCurrentProcess().StartTime.ToUniversalTime(), TimeSpan.Zero);

    public static NodeAbout For(MailflowOptions options)
    {
        var build = BuildInfo.Current;
        return new NodeAbout(build.Version, build.Commit, build.Framework, options.ResolvedNodeName, ProcessStartedAt);
    }
}
