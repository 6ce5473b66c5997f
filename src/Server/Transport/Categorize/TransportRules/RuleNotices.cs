using System.Text;
using MimeKit;
using Mailflow.Server.Transport.Agents.Moderation;

namespace Mailflow.Server.Transport.Categorize.TransportRules;

/// <summary>
/// The messages rules generate: a notice to the sender or to a recipient (plain text, the rule's words),
/// and an incident report (what matched, with the original attached as message/rfc822, as Exchange's
/// GenerateIncidentReport with IncludeOriginalMail). Each is marked <c>Auto-Submitted: auto-generated</c>
/// (RFC 3834) so auto-responders leave it alone.
/// </summary>
internal static class RuleNotices
{
    public static MimeMessage Notice(string from, string to, MimeMessage original, string text, string ruleName)
    {
        var notice = Generated(from, to, $"Notice about your message: {original.Subject}");
        notice.Headers.Add("X-Mailflow-Rule", ruleName);
        notice.Body = new TextPart("plain") { Text = text.TrimEnd() + "\n\n" + $"This notice is about the message “{original.Subject}” ({original.MessageId ?? "no Message-ID"}).\n" };
        return notice;
    }

    public static MimeMessage IncidentReport(string from, IEnumerable<string> to, MimeMessage original, string envelopeSender,
        IReadOnlyList<string> recipients, IncidentReport report)
    {
        var message = Generated(from, null, $"Incident report: {original.Subject}");
        foreach (var address in to)
            message.To.Add(MailboxAddress.Parse(address));
        message.Headers.Add("X-Mailflow-Rule", report.RuleName);
        var text = new StringBuilder()
            .AppendLine($"The mail flow rule “{report.RuleName}” matched a message and asked for this incident report.")
            .AppendLine()
            .AppendLine($"Rule: {report.RuleName}")
            .AppendLine($"Why it matched: {report.MatchedBecause}")
            .AppendLine($"Sender: {(envelopeSender.Length == 0 ? "<> (null sender)" : envelopeSender)}")
            .AppendLine($"From: {original.From}")
            .AppendLine($"Recipients: {string.Join(", ", recipients)}")
            .AppendLine($"Subject: {original.Subject}")
            .AppendLine($"Message-Id: {original.MessageId}")
            .AppendLine()
            .AppendLine("The original message is attached.");
        message.Body = new Multipart("mixed")
        {
            new TextPart("plain") { Text = text.ToString() },
            new MessagePart { Message = Copy(original), ContentDisposition = new ContentDisposition(ContentDisposition.Attachment) },
        };
        return message;
    }

    /// <summary>The moderator's approval request: who sent what to whom, where to decide, until when; the message attached.</summary>
    /// <param name="replyAddress">The organization's moderation reply address: replies to it decide (Reply-To); null = approval by reply is off.</param>
    /// <param name="replyToken">The held message's token, in the request's Message-ID (replies keep it in In-Reply-To/References) and subject marker.</param>
    public static MimeMessage ApprovalRequest(string from, IEnumerable<string> moderators, MimeMessage original, Mailflow.Queue.QueuedMessage held,
        ModerationRequest request, DateTimeOffset expiresAt, string adminCenterUrl, string? replyAddress = null, string? replyToken = null)
    {
        var byReply = replyAddress is not null && replyToken is not null;
        var message = Generated(from, null, $"Approval requested: {original.Subject}" + (byReply ? " " + ModerationReplyMarkers.SubjectMarker(replyToken!) : ""));
        if (byReply)
        {
            message.ReplyTo.Add(MailboxAddress.Parse(replyAddress!));
            message.MessageId = ModerationReplyMarkers.MessageId(replyToken!, MailboxAddress.Parse(from).Domain);
            message.Headers.Add(ModerationReplyMarkers.TokenHeader, replyToken!);
        }
        foreach (var address in moderators)
            message.To.Add(MailboxAddress.Parse(address));
        message.Headers.Add("X-Mailflow-Rule", request.RuleName);
        message.Headers.Add("X-Mailflow-Moderated-Message", held.QueueId);
        var link = adminCenterUrl.Length == 0 ? "" : $" ({adminCenterUrl.TrimEnd('/')}/protection/quarantine)";
        var text = new StringBuilder()
            .AppendLine($"The mail flow rule “{request.RuleName}” holds a message until you approve it.")
            .AppendLine()
            .AppendLine($"Sender: {(held.Sender.Length == 0 ? "<> (null sender)" : held.Sender)}")
            .AppendLine($"Recipients: {string.Join(", ", held.Recipients.Select(r => r.Address))}")
            .AppendLine($"Subject: {original.Subject}")
            .AppendLine($"Queue id: {held.QueueId}")
            .AppendLine()
            .AppendLine(byReply
                ? "Reply to this message with Approve or Reject as the first word of your reply (after Reject you may add the reason the sender should read),"
                : "")
            .AppendLine($"{(byReply ? "or approve" : "Approve")} it (Release) or reject it (Reject) in the admin center under Protection › Quarantine{link},")
            .AppendLine($"or with the CLI: mailflow quarantine release {held.QueueId} / mailflow quarantine reject {held.QueueId}.")
            .AppendLine($"Without a decision by {expiresAt:u} the message is rejected and the sender gets a non-delivery report.")
            .AppendLine()
            .AppendLine("The message is attached.");
        message.Body = new Multipart("mixed")
        {
            new TextPart("plain") { Text = text.ToString() },
            new MessagePart { Message = Copy(original), ContentDisposition = new ContentDisposition(ContentDisposition.Attachment) },
        };
        return message;
    }

    /// <summary>A copy, so preparing the report for transport never touches the message being categorized.</summary>
    internal static MimeMessage Copy(MimeMessage message)
    {
        using var buffer = new MemoryStream();
        message.WriteTo(buffer);
        buffer.Position = 0;
        return MimeMessage.Load(buffer);
    }

    private static MimeMessage Generated(string from, string? to, string subject)
    {
        var message = new MimeMessage { Subject = subject, Date = DateTimeOffset.UtcNow };
        message.From.Add(MailboxAddress.Parse(from));
        if (to is not null)
            message.To.Add(MailboxAddress.Parse(to));
        message.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(MailboxAddress.Parse(from).Domain);
        message.Headers.Add("Auto-Submitted", "auto-generated");
        return message;
    }
}
