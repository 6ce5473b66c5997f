namespace Mailflow.Tracking;

/// <summary>Why a receive session refused something during the SMTP conversation (no message was queued, so no NDR).</summary>
public enum SmtpRefusalKind
{
    /// <summary>550 5.7.54: the client may not relay to that domain.</summary>
    RelayDenied,
    /// <summary>550 5.1.1: no such recipient in an authoritative domain.</summary>
    UnknownRecipient,
    /// <summary>535 5.7.8: the submission credentials were wrong.</summary>
    AuthFailed,
    /// <summary>A mail flow rule rejected the message at the end of DATA.</summary>
    RejectedByRule,
}

/// <summary>
/// How a refusal is written into a <see cref="MessageTrackingEventKind.Refuse"/> event's detail and read back:
/// the detail starts with the kind's label ("Relay denied: …"), so the trace reads well and the dashboard can count.
/// </summary>
public static class SmtpRefusal
{
    public static string Label(SmtpRefusalKind kind) => kind switch
    {
        SmtpRefusalKind.RelayDenied => "Relay denied",
        SmtpRefusalKind.UnknownRecipient => "Unknown recipient",
        SmtpRefusalKind.AuthFailed => "AUTH failed",
        SmtpRefusalKind.RejectedByRule => "Rejected by a rule",
        _ => kind.ToString(),
    };

    public static string Detail(SmtpRefusalKind kind, string explanation) => $"{Label(kind)}: {explanation}";

    /// <summary>The kind a refusal event's detail names; null for any other text.</summary>
    public static SmtpRefusalKind? KindOf(string? detail)
    {
        if (detail is null)
            return null;
        foreach (var kind in Enum.GetValues<SmtpRefusalKind>())
            if (detail.StartsWith(Label(kind) + ":", StringComparison.Ordinal))
                return kind;
        return null;
    }
}
