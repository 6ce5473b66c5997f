using System.Globalization;
using System.Text;
using Mailflow.Queue;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Smtp;
using MimeKit;
using MimeKit.Utils;

namespace Mailflow.Server.Transport.Notify;

public enum DsnKind
{
    /// <summary>Non-delivery report: Action failed.</summary>
    Failure,
    /// <summary>Action delayed: still trying.</summary>
    Delay,
    /// <summary>Action delivered / relayed (NOTIFY=SUCCESS).</summary>
    Success,
}

/// <summary>One recipient's part of a DSN (RFC 3464 §2.3 per-recipient fields).</summary>
/// <param name="Action">RFC 3464 §2.3.3: failed, delayed, delivered, relayed, expanded.</param>
public sealed record DsnRecipientReport(
    string FinalRecipient,
    string? OriginalRecipient,
    string Action,
    DeliveryReply Reply,
    string? RemoteMta,
    DateTimeOffset? LastAttemptAt,
    DateTimeOffset? WillRetryUntil);

/// <summary>Who reports: this node's name for Reporting-MTA, and the postmaster address the DSN comes from.</summary>
public sealed record DsnReporter(string ReportingMta, string FromAddress);

/// <summary>
/// Builds delivery status notifications (RFC 3464, RFC 3462 multipart/report) with MimeKit:
/// <list type="number">
/// <item>text/plain for the person: which recipients, what happened in plain words
/// (<see cref="DsnExplanations"/>), and the server's own reply;</item>
/// <item>message/delivery-status: Reporting-MTA, Original-Envelope-Id, Arrival-Date, then per
/// recipient Original-Recipient (from ORCPT), Final-Recipient, Action, Status, Remote-MTA,
/// Diagnostic-Code (<c>smtp; …</c>), Last-Attempt-Date, Will-Retry-Until (delay only);</item>
/// <item>the original: its headers as text/rfc822-headers, or the whole message as
/// message/rfc822 when the sender asked RET=FULL (RFC 3461 §4.3).</item>
/// </list>
/// The DSN is marked Auto-Submitted (RFC 3834 §5) so responders do not answer it.
/// </summary>
public sealed class DsnBuilder
{
    public async Task<MimeMessage> BuildAsync(
        DsnKind kind,
        QueuedMessage original,
        IReadOnlyList<DsnRecipientReport> recipients,
        Stream? originalContent,
        DsnReporter reporter,
        DateTimeOffset now,
        CancellationToken cancellationToken)
    {
        var message = new MimeMessage();
        message.From.Add(new MailboxAddress("Mail Delivery System", reporter.FromAddress));
        message.To.Add(MailboxAddress.Parse(original.Sender));
        message.Subject = SubjectPrefix(kind) + (original.Subject ?? "(no subject)");
        message.Date = now;
        message.MessageId = MimeUtils.GenerateMessageId(reporter.ReportingMta);
        message.Headers.Add("Auto-Submitted", "auto-replied");
        if (original.MessageIdHeader is { Length: > 0 } originalId)
            message.InReplyTo = originalId.Trim('<', '>');

        var report = new MultipartReport("delivery-status");
        report.Add(new TextPart("plain") { Text = Explanation(kind, original, recipients) });
        report.Add(DeliveryStatus(original, recipients, reporter));
        if (originalContent is not null)
            report.Add(await OriginalAsync(original, originalContent, cancellationToken));
        message.Body = report;
        return message;
    }

    private static string SubjectPrefix(DsnKind kind) => kind switch
    {
        DsnKind.Failure => "Undeliverable: ",
        DsnKind.Delay => "Delivery delayed: ",
        _ => "Delivered: ",
    };

    private static string Explanation(DsnKind kind, QueuedMessage original, IReadOnlyList<DsnRecipientReport> recipients)
    {
        var text = new StringBuilder();
        var subject = original.Subject is { Length: > 0 } s ? $"\"{s}\"" : "without a subject";
        text.AppendLine(kind switch
        {
            DsnKind.Failure => $"Your message {subject} couldn't be delivered to {Plural(recipients.Count, "recipient")}.",
            DsnKind.Delay => $"Your message {subject} hasn't been delivered to {Plural(recipients.Count, "recipient")} yet. We're still trying; you don't need to do anything now.",
            _ => $"Your message {subject} was delivered to {Plural(recipients.Count, "recipient")}.",
        });
        text.AppendLine();
        foreach (var recipient in recipients)
        {
            text.AppendLine(recipient.FinalRecipient);
            if (kind != DsnKind.Success)
                text.AppendLine("    " + DsnExplanations.Explain(recipient.Reply.EnhancedCode));
            if (recipient.WillRetryUntil is { } until)
                text.AppendLine($"    We'll keep trying until {until.ToString("f", CultureInfo.InvariantCulture)} (UTC).");
            text.AppendLine($"    {(recipient.RemoteMta is { } remote ? $"{remote} said" : "Details")}: {recipient.Reply}");
            text.AppendLine();
        }
        if (kind == DsnKind.Failure)
            text.AppendLine("If the problem continues, forward this message to your email administrator.");
        return text.ToString();
    }

    private static string Plural(int count, string noun) => count == 1 ? $"1 {noun}" : $"{count} {noun}s";

    private static MessageDeliveryStatus DeliveryStatus(QueuedMessage original, IReadOnlyList<DsnRecipientReport> recipients, DsnReporter reporter)
    {
        var status = new MessageDeliveryStatus();
        var perMessage = new HeaderList { { "Reporting-MTA", "dns; " + reporter.ReportingMta } };
        if (original.DsnEnvelopeId is { Length: > 0 } envelopeId)
            perMessage.Add("Original-Envelope-Id", envelopeId);
        perMessage.Add("Arrival-Date", DateUtils.FormatDate(original.ReceivedAt));
        status.StatusGroups.Add(perMessage);

        foreach (var recipient in recipients)
        {
            var fields = new HeaderList();
            if (recipient.OriginalRecipient is { Length: > 0 } orcpt)
                fields.Add("Original-Recipient", orcpt.Contains(';') ? orcpt : "rfc822;" + orcpt);
            fields.Add("Final-Recipient", "rfc822;" + recipient.FinalRecipient);
            fields.Add("Action", recipient.Action);
            fields.Add("Status", recipient.Reply.EnhancedCode);
            if (recipient.RemoteMta is { Length: > 0 } remote)
                fields.Add("Remote-MTA", "dns; " + remote);
            fields.Add("Diagnostic-Code", $"smtp; {recipient.Reply.Code} {recipient.Reply.EnhancedCode} {recipient.Reply.Text}");
            if (recipient.LastAttemptAt is { } last)
                fields.Add("Last-Attempt-Date", DateUtils.FormatDate(last));
            if (recipient.WillRetryUntil is { } until)
                fields.Add("Will-Retry-Until", DateUtils.FormatDate(until));
            status.StatusGroups.Add(fields);
        }
        return status;
    }

    private static async Task<MimeEntity> OriginalAsync(QueuedMessage original, Stream content, CancellationToken cancellationToken)
    {
        if (original.DsnReturn == DsnReturn.Full)
            return new MessagePart { Message = await MimeMessage.LoadAsync(content, cancellationToken) };

        // Only the header section is read from the store; the body is never loaded.
        var headers = await HeaderList.LoadAsync(ParserOptions.Default, content, cancellationToken);
        var headersOnly = new MimeMessage();
        headersOnly.Headers.Clear();
        foreach (var header in headers)
            headersOnly.Headers.Add(header);
        return new TextRfc822Headers { Message = headersOnly };
    }
}
