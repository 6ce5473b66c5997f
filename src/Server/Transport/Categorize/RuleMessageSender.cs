using Mailflow.Queue;
using Mailflow.Server.Transport.Categorize.TransportRules;
using Mailflow.Server.Transport.Notify;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Tracking;
using MimeKit;

namespace Mailflow.Server.Transport.Categorize;

/// <summary>
/// Sends the messages the Enforce-mode rules asked for (sender and recipient notices, incident reports)
/// as new queued messages, and records each in the original's trace. Run by the categorizer before the
/// rules change the content, so an incident report carries the message as it arrived. A crash between
/// this and the categorizer's release sends them again (at least once, like DSNs).
/// </summary>
public sealed class RuleMessageSender(GeneratedMessageSubmitter submitter, MessageTracker tracker)
{
    public async Task SendAsync(QueuedMessage message, MimeMessage original, RuleDecision decision, IReadOnlyList<string> recipients, CancellationToken cancellationToken)
    {
        var from = submitter.PostmasterAddress;
        if (message.Sender.Length > 0)
        {
            foreach (var notice in decision.SenderNotifications)
            {
                var id = await SubmitAsync(RuleNotices.Notice(from, message.Sender, original, notice.Text, notice.RuleName), [message.Sender], cancellationToken);
                tracker.Track(MessageTrackingEventKind.Agent, message, [message.Sender], detail: $"Mail flow rule '{notice.RuleName}' notified the sender (notice queued as {id})");
            }
        }
        foreach (var notice in decision.RecipientNotifications)
        {
            foreach (var recipient in recipients)
            {
                var id = await SubmitAsync(RuleNotices.Notice(from, recipient, original, notice.Text, notice.RuleName), [recipient], cancellationToken);
                tracker.Track(MessageTrackingEventKind.Agent, message, [recipient],
                    detail: $"Mail flow rule '{notice.RuleName}' notified the recipient {(notice.InsteadOfMessage ? "instead of delivering the message" : "")} (notice queued as {id})".Replace("  ", " ", StringComparison.Ordinal));
            }
        }
        foreach (var report in decision.IncidentReports)
        {
            var id = await SubmitAsync(RuleNotices.IncidentReport(from, report.Addresses, original, message.Sender, recipients, report), report.Addresses, cancellationToken);
            tracker.Track(MessageTrackingEventKind.Agent, message, report.Addresses,
                detail: $"Mail flow rule '{report.RuleName}' sent an incident report to {string.Join(", ", report.Addresses)} (queued as {id})");
        }
    }

    private Task<string> SubmitAsync(MimeMessage generated, IReadOnlyList<string> to, CancellationToken cancellationToken) =>
        submitter.SubmitAsync(generated, "", to, GeneratedMessageSubmitter.RuleConnectorName, GeneratedMessageSubmitter.RuleConnectorId, cancellationToken);
}
