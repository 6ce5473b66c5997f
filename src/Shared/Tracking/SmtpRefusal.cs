using System.Linq.Expressions;

namespace Mailflow.Tracking;

/// <summary>Why a receive session refused something during the SMTP conversation (no message was queued, so no NDR).</summary>
public enum SmtpRefusalKind
{
    /// <summary>550 5.7.54: the client may not relay to that domain.</summary>
    RelayDenied,
    /// <summary>550 5.1.1: no such recipient in an authoritative domain.</summary>
    UnknownRecipient,
    /// <summary>A failed AUTH exchange (535 5.7.8), or the session ended after too many.</summary>
    AuthFailed,
    /// <summary>A mail flow rule rejected the message at the end of DATA.</summary>
    RejectedByRule,
}

/// <summary>
/// Which receive-time agent decisions (tracking events of kind <see cref="MessageTrackingEventKind.Agent"/> without a
/// queue id, written by the receive session's decision log) are refusals of each kind — the dashboard's counts.
/// The agents' display names open each decision's detail ("Relay and recipient check at RCPT TO (…): rejected — 550 5.7.54 …");
/// a test in Mailflow.Server.Tests keeps these names and the built-in agents in step.
/// </summary>
public static class SmtpRefusal
{
    public const string RelayAgentDisplayName = "Relay and recipient check";
    public const string AuthFailureAgentDisplayName = "Failed authentication limit";
    public const string RulesAgentDisplayName = "Mail flow rules (reject and delete)";

    public static string Label(SmtpRefusalKind kind) => kind switch
    {
        SmtpRefusalKind.RelayDenied => "Relay denied",
        SmtpRefusalKind.UnknownRecipient => "Unknown recipient",
        SmtpRefusalKind.AuthFailed => "AUTH failed",
        SmtpRefusalKind.RejectedByRule => "Rejected by a rule",
        _ => kind.ToString(),
    };

    /// <summary>
    /// Every refusal of the SMTP conversation: an agent's decision in a receive session (no queue id yet) that answered
    /// the client with a 4yz or 5yz reply — the refusals view of the message trace.
    /// </summary>
    public static Expression<Func<MessageTrackingEvent, bool>> Any { get; } =
        e => e.Kind == MessageTrackingEventKind.Agent && e.QueueId == null && e.ReplyCode != null && e.ReplyCode >= 400;

    /// <summary>The tracking events of one kind of refusal, as a query filter (translated to SQL on both stores).</summary>
    public static Expression<Func<MessageTrackingEvent, bool>> Matches(SmtpRefusalKind kind) => kind switch
    {
        SmtpRefusalKind.RelayDenied => e => e.Kind == MessageTrackingEventKind.Agent && e.QueueId == null && e.Reply != null && e.Reply.StartsWith("550 5.7.54"),
        SmtpRefusalKind.UnknownRecipient => e => e.Kind == MessageTrackingEventKind.Agent && e.QueueId == null && e.Reply != null && e.Reply.StartsWith("550 5.1.1"),
        SmtpRefusalKind.AuthFailed => e => e.Kind == MessageTrackingEventKind.Agent && e.QueueId == null && e.Detail != null && e.Detail.StartsWith(AuthFailureAgentDisplayName + " at AUTH"),
        SmtpRefusalKind.RejectedByRule => e => e.Kind == MessageTrackingEventKind.Agent && e.QueueId == null && e.Detail != null && e.Detail.StartsWith(RulesAgentDisplayName + " at end of data: rejected"),
        _ => e => false,
    };
}
