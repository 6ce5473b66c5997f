namespace Mailflow.DomainHealth;

/// <summary>The domain health checks of this node (<c>Mailflow:DomainHealth</c>).</summary>
public sealed class DomainHealthOptions
{
    public const string Section = "Mailflow:DomainHealth";

    /// <summary>How often every accepted domain's DNS is checked again. Records change rarely; an hour finds a broken one the same day.</summary>
    public int CheckIntervalMinutes { get; set; } = 60;

    /// <summary>
    /// The public addresses this organization's mail leaves from, when they are not the addresses the
    /// nodes' HELO names resolve to (a node behind NAT). Empty = each registered node's name and each
    /// MX send connector's HELO name, resolved in DNS.
    /// </summary>
    public List<string> SendingAddresses { get; set; } = [];

    /// <summary>Time for the HTTPS fetch of an MTA-STS policy (RFC 8461 §3.3 suggests senders wait at most a minute; a health check needs less).</summary>
    public int MtaStsTimeoutSeconds { get; set; } = 10;
}
