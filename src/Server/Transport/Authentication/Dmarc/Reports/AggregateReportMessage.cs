using MimeKit;

namespace Mailflow.Server.Transport.Authentication.Dmarc.Reports;

/// <summary>
/// The message that carries an aggregate report (RFC 7489 §7.2.1.1): subject "Report Domain: … Submitter:
/// … Report-ID: &lt;…&gt;", a short text part for people, and the report as an application/gzip attachment
/// named receiver!domain!begin!end.xml.gz, base64-encoded.
/// </summary>
public static class AggregateReportMessage
{
    public static MimeMessage Build(AggregateReport report, string receiver, string organizationName, IReadOnlyList<string> recipients, DateTimeOffset now)
    {
        var message = new MimeMessage
        {
            Subject = $"Report Domain: {report.Policy.Domain} Submitter: {report.OrganizationName} Report-ID: <{report.ReportId}>",
            Date = now,
            MessageId = $"{report.ReportId}@{report.OrganizationName}",
        };
        message.From.Add(new MailboxAddress($"{organizationName} DMARC reports", report.Email));
        foreach (var recipient in recipients)
            message.To.Add(MailboxAddress.Parse(recipient));
        var text = new TextPart("plain")
        {
            Text = $"This is a DMARC aggregate report (RFC 7489) from {report.OrganizationName} about mail from {report.Policy.Domain} "
                   + $"between {report.Begin:u} and {report.End:u}: {report.Records.Sum(r => r.Count)} messages from {report.Records.Select(r => r.SourceIp).Distinct().Count()} sources.\r\n",
        };
        var attachment = new MimePart("application", "gzip")
        {
            Content = new MimeContent(new MemoryStream(AggregateReportFile.Compress(report))),
            ContentDisposition = new ContentDisposition(ContentDisposition.Attachment),
            ContentTransferEncoding = ContentEncoding.Base64,
            FileName = AggregateReportFile.FileName(receiver, report),
        };
        message.Body = new Multipart("mixed") { text, attachment };
        message.Prepare(EncodingConstraint.SevenBit);
        return message;
    }
}
