using Mailflow.Configuration;
using Mailflow.Dmarc;
using Mailflow.Server.Transport.Authentication;
using Mailflow.Server.Transport.Authentication.Dmarc.Reports;
using MimeKit;

namespace Mailflow.Server.Transport.Agents.DmarcReports;

/// <summary>
/// Takes in DMARC aggregate reports other organizations send to our domains' rua mailbox
/// (RFC 7489 §7.2): after categorizing, a message addressed to one of our accepted domains whose
/// attachment (gzip, zip or plain XML) reads as a report about one of our domains is stored once per
/// reporter and report id, for the "DMARC reports" page. The message itself is delivered as usual.
/// Files are read with the limits of <see cref="AggregateReportFile"/> (no DTD, bounded expansion).
/// Whether a message may carry a report is decided at end of data, from the header the session has in
/// memory anyway, and kept as a message tag: after categorizing, only tagged messages are read back from
/// the store (reading every message's content again cost some 4 % of the server's CPU under load).
/// </summary>
public sealed class DmarcReportIntakeAgent(DmarcReportService reports, TimeProvider time, ILogger<DmarcReportIntakeAgent> logger) : ITransportAgent
{
    /// <summary>Messages larger than this are not opened (a report is rarely over a few MB even compressed).</summary>
    public const long MaxMessageBytes = 25L * 1024 * 1024;
    private const int MaxParts = 10;

    public string Name => "DmarcReportIntake";
    public string DisplayName => "DMARC report intake";
    public string Description => "Stores the DMARC aggregate reports that other organizations send about our domains, for the DMARC reports page.";
    public AgentEvents Events => AgentEvents.EndOfData | AgentEvents.Categorized;

    /// <summary>Message tag set at end of data when the Content-Type is one a report comes in.</summary>
    public const string CandidateTag = "dmarc.report.candidate";
    public int DefaultPriority => 350;
    public TimeSpan DefaultTimeout => TimeSpan.FromSeconds(30);
    public AgentFailurePolicy DefaultFailurePolicy => AgentFailurePolicy.FailOpen;

    /// <summary>Most mail is text or a text/HTML alternative: decide from the header, while it is in memory, before anyone parses the whole message.</summary>
    public async ValueTask<AgentVerdict> OnEndOfDataAsync(AgentSession session, AgentMessage message, AgentContent content, CancellationToken cancellationToken)
    {
        if (content.Size <= MaxMessageBytes && MayCarryReport((await content.GetHeadersAsync(cancellationToken))[HeaderId.ContentType]))
            message.Tags.Set(CandidateTag, true);
        return AgentVerdict.Continue;
    }

    public async ValueTask<AgentVerdict> OnCategorizedAsync(StoredMessageContext message, CancellationToken cancellationToken)
    {
        if (message.IsWhatIf || !message.Tags.IsTrue(CandidateTag) || message.Content.Size > MaxMessageBytes
            || !message.Recipients.Any(r => message.Snapshot.FindAcceptedDomain(DomainName.OfAddress(r.Address)) is not null))
            return AgentVerdict.Continue;
        var parsed = await message.Content.GetMessageAsync(cancellationToken);
        var candidates = parsed.BodyParts.OfType<MimePart>().Where(AggregateReportFile.IsCandidate).Take(MaxParts).ToArray();
        if (candidates.Length == 0)
            return AgentVerdict.Continue;
        var looksLikeReport = (parsed.Subject ?? "").StartsWith("Report Domain:", StringComparison.OrdinalIgnoreCase);
        var outcomes = new List<string>();
        foreach (var part in candidates)
        {
            AggregateReport report;
            try
            {
                report = AggregateReportFile.Read(part);
            }
            catch (FormatException exception)
            {
                if (looksLikeReport)
                    outcomes.Add($"{part.FileName ?? "attachment"} is not a usable DMARC report: {exception.Message}");
                continue;
            }
            if (message.Snapshot.FindAcceptedDomain(report.Policy.Domain) is null)
            {
                outcomes.Add($"DMARC report from {report.OrganizationName} is about {report.Policy.Domain}, not one of our domains: not stored.");
                continue;
            }
            var stored = await reports.StoreReceivedAsync(ToEntity(report, time.GetUtcNow()), cancellationToken);
            logger.LogInformation("DMARC aggregate report {ReportId} from {Reporter} about {Domain}: {Records} records, {Outcome}",
                report.ReportId, report.OrganizationName, report.Policy.Domain, report.Records.Count, stored ? "stored" : "already stored");
            outcomes.Add($"DMARC report {report.ReportId} from {report.OrganizationName} about {report.Policy.Domain} ({report.Records.Count} records) "
                         + (stored ? "stored." : "was already stored."));
        }
        return outcomes.Count == 0 ? AgentVerdict.Continue : AgentVerdict.ContinueWith(string.Join(" ", outcomes));
    }

    public static DmarcReceivedReport ToEntity(AggregateReport report, DateTimeOffset receivedAt) => new()
    {
        Reporter = report.OrganizationName,
        ReporterEmail = report.Email,
        ReportId = report.ReportId,
        PolicyDomain = report.Policy.Domain,
        Begin = report.Begin,
        End = report.End,
        ReceivedAt = receivedAt,
        Records = [.. report.Records.Select(r =>
        {
            var dkim = r.Dkim.FirstOrDefault(d => d.Result == "pass") ?? r.Dkim.FirstOrDefault();
            var spf = r.Spf.FirstOrDefault();
            return new DmarcReceivedRecord
            {
                SourceIp = r.SourceIp,
                Count = r.Count,
                HeaderFrom = r.HeaderFrom,
                Disposition = r.Disposition,
                DkimAligned = r.DkimAligned,
                SpfAligned = r.SpfAligned,
                DkimDomain = Short(dkim?.Domain, DmarcReportModel.DomainLength),
                DkimResult = Short(dkim?.Result, DmarcReportModel.WordLength),
                SpfDomain = Short(spf?.Domain, DmarcReportModel.DomainLength),
                SpfResult = Short(spf?.Result, DmarcReportModel.WordLength),
            };
        })],
    };

    private static string Short(string? text, int length) => text is null ? "" : text.Length <= length ? text : text[..length];

    /// <summary>A report comes as multipart/* with an attachment, or as the gzip, zip or XML file itself.</summary>
    private static bool MayCarryReport(string? contentTypeHeader)
    {
        if (contentTypeHeader is null || !ContentType.TryParse(contentTypeHeader, out var type))
            return false;
        return type.MediaType.Equals("multipart", StringComparison.OrdinalIgnoreCase) && !type.MediaSubtype.Equals("alternative", StringComparison.OrdinalIgnoreCase)
               || type.MediaType.Equals("application", StringComparison.OrdinalIgnoreCase)
               || type.MediaSubtype.Equals("xml", StringComparison.OrdinalIgnoreCase);
    }
}
