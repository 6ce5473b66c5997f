using System.Collections.Immutable;
using System.Text;
using Mailflow.Configuration;
using MimeKit;

namespace Mailflow.Server.Transport.Categorize.Journaling;

/// <summary>One journal rule that records a message: the report goes to <paramref name="JournalAddress"/>.</summary>
/// <param name="AlternateJournalAddress">Where the report goes when the journal address refuses it: the rule's own alternate address,
/// else the organization's <see cref="OrganizationSettings.JournalingReportNdrTo"/>; null = nowhere (dropped, never to the sender).</param>
public sealed record JournalMatch(string RuleName, string JournalAddress, string? AlternateJournalAddress, string Why);

/// <summary>
/// Journaling (Exchange's journal rules): which rules of the snapshot record a message, and the
/// envelope journal report each sends. Pure; the categorizer sends the reports and "Test mail flow"
/// explains them. Journal reports (and every message Mailflow generates) are never journaled again.
/// <para>The report, as Exchange writes it: a message to the journal address whose body lists
/// <c>Sender:</c>, <c>Subject:</c>, <c>Message-Id:</c> and one <c>To:</c>, <c>Cc:</c> or <c>Bcc:</c> line
/// per envelope recipient (Bcc = in the envelope but in neither header; a group member gets
/// <c>, Expanded: group</c>), the original attached as message/rfc822, and an <c>X-MS-Journal-Report</c>
/// header that marks it.</para>
/// </summary>
public static class JournalReports
{
    public const string ReportHeader = "X-MS-Journal-Report";

    public static ImmutableArray<JournalMatch> Select(TransportConfig config, string sender, RecipientResolution resolution)
    {
        var recipients = resolution.Recipients.Where(r => r.Kind != ResolvedRecipientKind.Failed).ToList();
        if (recipients.Count == 0)
            return [];
        // Inside: accepted domains and remote domains marked as trusted partners.
        var senderInside = sender.Length > 0 && config.IsInsideOrganization(MailAddressParts.DomainOf(sender));
        var allInside = recipients.All(r => config.IsInsideOrganization(r.Domain));
        var matches = ImmutableArray.CreateBuilder<JournalMatch>();
        foreach (var rule in config.JournalRules.Where(r => r.Enabled))
        {
            var scope = rule.Scope switch
            {
                JournalScope.Internal when !(senderInside && allInside) => null,
                JournalScope.External when senderInside && allInside => null,
                JournalScope.Internal => "the sender and every recipient are inside the organization",
                JournalScope.External => senderInside ? "a recipient is outside the organization" : "the sender is outside the organization",
                _ => "the rule journals every message",
            };
            if (scope is null)
                continue;
            var why = scope;
            if (!string.IsNullOrWhiteSpace(rule.Recipient))
            {
                var filter = rule.Recipient.Trim();
                var hit = recipients.FirstOrDefault(r => Is(r.Address, filter) || Is(r.Original.Address, filter) || r.Path.Any(s => Is(s.From, filter)));
                if (hit is null)
                    continue;
                why += Is(hit.Address, filter) || Is(hit.Original.Address, filter) ? $", and {filter} is a recipient" : $", and {hit.Address} is a member of {filter}";
            }
            var alternate = !string.IsNullOrWhiteSpace(rule.AlternateJournalAddress) ? rule.AlternateJournalAddress
                : !string.IsNullOrWhiteSpace(config.Organization.JournalingReportNdrTo) ? config.Organization.JournalingReportNdrTo : null;
            matches.Add(new JournalMatch(rule.Name, rule.JournalAddress, alternate, why));
        }
        return matches.ToImmutable();
    }

    /// <summary>The envelope journal report for <paramref name="original"/> as received.</summary>
    public static MimeMessage Build(string from, JournalMatch match, MimeMessage original, string sender, RecipientResolution resolution)
    {
        var report = new MimeMessage { Subject = original.Subject ?? "", Date = DateTimeOffset.UtcNow };
        report.From.Add(MailboxAddress.Parse(from));
        report.To.Add(MailboxAddress.Parse(match.JournalAddress));
        report.MessageId = MimeKit.Utils.MimeUtils.GenerateMessageId(MailboxAddress.Parse(from).Domain);
        report.Headers.Add(ReportHeader, "");
        report.Headers.Add("Auto-Submitted", "auto-generated");
        var body = new StringBuilder()
            .Append("Sender: ").Append(sender).Append("\r\n")
            .Append("Subject: ").Append(original.Subject).Append("\r\n")
            .Append("Message-Id: <").Append(original.MessageId).Append(">\r\n");
        var to = original.To.Mailboxes.Select(m => m.Address).ToHashSet(StringComparer.OrdinalIgnoreCase);
        var cc = original.Cc.Mailboxes.Select(m => m.Address).ToHashSet(StringComparer.OrdinalIgnoreCase);
        foreach (var recipient in resolution.Recipients.Where(r => r.Kind != ResolvedRecipientKind.Failed))
        {
            var envelope = recipient.Original.Address;
            var field = to.Contains(envelope) ? "To" : cc.Contains(envelope) ? "Cc" : "Bcc";
            var group = recipient.Path.FirstOrDefault(s => s.Kind == ResolutionStepKind.Expand)?.From;
            body.Append(field).Append(": ").Append(recipient.Address);
            if (group is not null)
                body.Append(", Expanded: ").Append(group);
            body.Append("\r\n");
        }
        report.Body = new Multipart("mixed")
        {
            new TextPart("plain") { Text = body.ToString() },
            new MessagePart { Message = TransportRules.RuleNotices.Copy(original), ContentDisposition = new ContentDisposition(ContentDisposition.Attachment) },
        };
        return report;
    }

    private static bool Is(string address, string filter) => string.Equals(address, filter, StringComparison.OrdinalIgnoreCase);
}
