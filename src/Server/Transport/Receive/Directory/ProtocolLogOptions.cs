namespace Mailflow.Server.Transport.Receive.Directory;

/// <summary>
/// Where protocol logs go and how long they stay (Exchange's transport service settings: max age 30 days,
/// max directory size 250 MB, per log kind). Files rotate hourly; the oldest go first.
/// </summary>
public sealed class ProtocolLogOptions
{
    public const string Section = "Mailflow:ProtocolLog";

    /// <summary>Files older than this many days are deleted.</summary>
    public int MaxAgeDays { get; set; } = 30;

    /// <summary>Each log kind (RECV, SEND) keeps at most this many megabytes; the oldest files are deleted first.</summary>
    public int MaxSizeMegabytes { get; set; } = 250;

    /// <summary>Log outbound SMTP sessions (SEND files), with AUTH secrets masked.</summary>
    public bool Send { get; set; } = true;
}
