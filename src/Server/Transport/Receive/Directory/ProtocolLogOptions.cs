namespace Mailflow.Server.Transport.Receive.Directory;

/// <summary>
/// The node's protocol log switches. How long the files stay is admin-managed (the operations settings'
/// <see cref="Mailflow.Configuration.LogRetentionSettings"/>: Exchange's 30 days and 250 MB per log kind by default).
/// </summary>
public sealed class ProtocolLogOptions
{
    public const string Section = "Mailflow:ProtocolLog";

    /// <summary>Log outbound SMTP sessions (SEND files), with AUTH secrets masked.</summary>
    public bool Send { get; set; } = true;
}
