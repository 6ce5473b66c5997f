using System.Net;
using Mailflow.Smtp;
using Mailflow.Tracking;

namespace Mailflow.Server.Transport.Tracking;

/// <summary>
/// Records what a receive session refused during SMTP as <see cref="MessageTrackingEventKind.Refuse"/> tracking
/// events, so the dashboard counts relay attempts, failed sign-ins and rule rejections, and the trace shows
/// why a sender's mail never arrived. Temporary refusals (4xx) are left out: the client comes back.
/// </summary>
public sealed class SmtpRefusalRecorder(MessageTracker tracker)
{
    /// <summary>A RCPT refused by the relay decision (relay denied or unknown recipient).</summary>
    public void RecipientRefused(SmtpReply reply, string connector, IPAddress client, string sender, string recipient)
    {
        SmtpRefusalKind? kind = reply == SmtpReplies.RelayDenied ? SmtpRefusalKind.RelayDenied
            : reply == SmtpReplies.UnknownRecipient ? SmtpRefusalKind.UnknownRecipient
            : null;
        if (kind is not { } known)
            return;
        Track(known, reply, connector, client, sender, recipient, 1,
            known == SmtpRefusalKind.RelayDenied ? $"{client} may not relay to {recipient}" : $"{recipient} does not exist");
    }

    public void AuthFailed(string mechanism, string connector, IPAddress client) =>
        Track(SmtpRefusalKind.AuthFailed, SmtpReplies.AuthFailed, connector, client, "", "", 0, $"AUTH {mechanism} from {client} with wrong credentials");

    public void RejectedByRule(string rule, SmtpReply reply, string connector, IPAddress client, string sender, IReadOnlyCollection<string> recipients) =>
        Track(SmtpRefusalKind.RejectedByRule, reply, connector, client, sender, string.Join(", ", recipients), recipients.Count, $"rule '{rule}'");

    private void Track(SmtpRefusalKind kind, SmtpReply reply, string connector, IPAddress client, string sender, string recipients, int count, string explanation) =>
        tracker.Track(new MessageTrackingEvent
        {
            Kind = MessageTrackingEventKind.Refuse,
            Sender = sender,
            Recipients = recipients,
            RecipientCount = count,
            Connector = connector,
            RemoteHost = client.ToString(),
            ReplyCode = reply.Code,
            Reply = string.Join(" ", reply.Lines),
            Detail = SmtpRefusal.Detail(kind, explanation),
        });
}
