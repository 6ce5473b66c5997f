using Mailflow.Server.Transport.Categorize.TransportRules;
using MimeKit;

namespace Mailflow.Server.Transport.Categorize.RemoteDomains;

/// <summary>The kinds of message a remote domain can refuse (Exchange's Set-RemoteDomain switches).</summary>
public enum OutboundMessageKind
{
    /// <summary>None of the kinds below: remote domains never stop it.</summary>
    Ordinary,
    /// <summary>An out-of-office reply or other automatic reply (AutoReplyEnabled).</summary>
    AutomaticReply,
    /// <summary>A message forwarded automatically (AutoForwardEnabled).</summary>
    AutomaticForward,
    /// <summary>A delivery report: a DSN whose recipients were delivered, relayed, expanded or delayed, or a read receipt (DeliveryReportEnabled).</summary>
    DeliveryReport,
    /// <summary>A non-delivery report: a DSN with a recipient whose action is "failed" (NDREnabled).</summary>
    NonDeliveryReport,
}

/// <param name="Why">Plain language: what in the message made it this kind.</param>
public sealed record OutboundMessageClass(OutboundMessageKind Kind, string Why)
{
    public static readonly OutboundMessageClass Ordinary = new(OutboundMessageKind.Ordinary, "it is an ordinary message (no automatic reply, forward or report)");

    /// <summary>
    /// What a message is, from its content: reports first (DSNs carry Auto-Submitted too), then the
    /// rule catalog's definitions of automatic replies and forwards (<see cref="MessageClassifier"/>, one definition for both).
    /// </summary>
    public static OutboundMessageClass Of(MimeMessage message)
    {
        if (message.Body is MultipartReport report)
        {
            var type = report.ReportType?.ToLowerInvariant();
            if (type == "delivery-status")
            {
                var actions = report.OfType<MessageDeliveryStatus>().SelectMany(s => s.StatusGroups.Skip(1))
                    .Select(g => g["Action"]?.Trim().ToLowerInvariant()).OfType<string>().ToList();
                return actions.Contains("failed")
                    ? new OutboundMessageClass(OutboundMessageKind.NonDeliveryReport, "it is a delivery status notification with a failed recipient (an NDR)")
                    : new OutboundMessageClass(OutboundMessageKind.DeliveryReport, $"it is a delivery status notification ({(actions.Count == 0 ? "no action" : string.Join(", ", actions.Distinct()))})");
            }
            if (type == "disposition-notification")
                return new OutboundMessageClass(OutboundMessageKind.DeliveryReport, "it is a read receipt (message disposition notification)");
        }
        if (MessageClassifier.Why(message, "AutoReply") is { } reply)
            return new OutboundMessageClass(OutboundMessageKind.AutomaticReply, reply);
        if (MessageClassifier.Why(message, "AutoForward") is { } forward)
            return new OutboundMessageClass(OutboundMessageKind.AutomaticForward, forward);
        return Ordinary;
    }
}
