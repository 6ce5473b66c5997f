namespace Mailflow.Operations.Alerts;

/// <summary>What an alert is about. Stored by name, so new kinds never renumber old rows.</summary>
public enum AlertKind
{
    /// <summary>A queue's oldest message has waited longer than the threshold.</summary>
    QueueAge,
    /// <summary>A next hop's deliveries keep failing.</summary>
    NextHopFailing,
    /// <summary>More NDRs than usual, or than the fixed limit.</summary>
    NdrSpike,
    /// <summary>A TLS certificate expires soon (or has expired).</summary>
    CertificateExpiring,
    /// <summary>A registered node stopped heartbeating.</summary>
    NodeHeartbeatMissing,
    /// <summary>A domain health report has a failing check.</summary>
    DomainHealth,
    /// <summary>A node refuses mail under back pressure.</summary>
    BackPressure,
}

/// <summary>How bad: a warning can wait for working hours, a critical alert cannot.</summary>
public enum AlertSeverity
{
    Warning,
    Critical,
}

/// <summary>The words and places that belong to each kind: the metric label, the title and where an admin fixes it.</summary>
public static class AlertKinds
{
    /// <summary>The <c>alert</c> label of <c>mailflow_alerts_active</c> (snake case, stable).</summary>
    public static string MetricLabel(AlertKind kind) => kind switch
    {
        AlertKind.QueueAge => "queue_age",
        AlertKind.NextHopFailing => "next_hop_failing",
        AlertKind.NdrSpike => "ndr_spike",
        AlertKind.CertificateExpiring => "certificate_expiring",
        AlertKind.NodeHeartbeatMissing => "node_heartbeat_missing",
        AlertKind.DomainHealth => "domain_health",
        AlertKind.BackPressure => "back_pressure",
        _ => kind.ToString().ToLowerInvariant(),
    };

    public static string Title(AlertKind kind) => kind switch
    {
        AlertKind.QueueAge => "Old message in a queue",
        AlertKind.NextHopFailing => "Next hop failing",
        AlertKind.NdrSpike => "Many non-delivery reports",
        AlertKind.CertificateExpiring => "TLS certificate expiring",
        AlertKind.NodeHeartbeatMissing => "Node not heard from",
        AlertKind.DomainHealth => "Domain health broken",
        AlertKind.BackPressure => "Back pressure",
        _ => kind.ToString(),
    };

    /// <summary>The admin center page where the cause is fixed, and what the link says.</summary>
    public static (string Href, string Text) FixLink(AlertKind kind, string subject) => kind switch
    {
        AlertKind.QueueAge => ("queues", "Open the queues"),
        AlertKind.NextHopFailing => ("queues", "Open the queues"),
        AlertKind.NdrSpike => ("message-trace", "Open the message trace"),
        AlertKind.CertificateExpiring => ("settings/tls-certificates", "Open TLS certificates"),
        AlertKind.NodeHeartbeatMissing => ("", "Open the node list on the overview"),
        AlertKind.DomainHealth => ($"mail-flow/domain-health/{Uri.EscapeDataString(subject)}", "Open domain health"),
        AlertKind.BackPressure => ("", "Open the overview (back pressure)"),
        _ => ("", "Open the overview"),
    };
}
