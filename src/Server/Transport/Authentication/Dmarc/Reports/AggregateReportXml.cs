using System.Globalization;
using System.Net;
using System.Xml;
using System.Xml.Linq;

namespace Mailflow.Server.Transport.Authentication.Dmarc.Reports;

/// <summary>
/// Writes and reads the XML of DMARC aggregate reports (RFC 7489 Appendix C). Reading is for reports
/// from strangers: no DTD (so no entity expansion and no external entities, XXE), no resolver, a cap on
/// the characters and on the records, and every value checked (IP addresses, counts, results).
/// </summary>
public static class AggregateReportXml
{
    /// <summary>Most characters a report may have (a few MB of XML is hundreds of thousands of records).</summary>
    public const long MaxCharacters = 20L * 1024 * 1024;
    public const int MaxRecords = 100_000;

    private static readonly string[] DmarcResults = ["pass", "fail"];
    private static readonly string[] Dispositions = ["none", "quarantine", "reject"];

    public static XDocument Write(AggregateReport report)
    {
        var policy = report.Policy;
        return new XDocument(new XDeclaration("1.0", "UTF-8", null),
            new XElement("feedback",
                new XElement("version", "1.0"),
                new XElement("report_metadata",
                    new XElement("org_name", report.OrganizationName),
                    new XElement("email", report.Email),
                    new XElement("report_id", report.ReportId),
                    new XElement("date_range",
                        new XElement("begin", report.Begin.ToUnixTimeSeconds()),
                        new XElement("end", report.End.ToUnixTimeSeconds()))),
                new XElement("policy_published",
                    new XElement("domain", policy.Domain),
                    new XElement("adkim", policy.Adkim),
                    new XElement("aspf", policy.Aspf),
                    new XElement("p", policy.P),
                    new XElement("sp", policy.Sp),
                    new XElement("pct", policy.Pct)),
                report.Records.Select(r => new XElement("record",
                    new XElement("row",
                        new XElement("source_ip", r.SourceIp),
                        new XElement("count", r.Count),
                        new XElement("policy_evaluated",
                            new XElement("disposition", r.Disposition),
                            new XElement("dkim", r.DkimAligned),
                            new XElement("spf", r.SpfAligned))),
                    new XElement("identifiers",
                        r.EnvelopeTo is null ? null : new XElement("envelope_to", r.EnvelopeTo),
                        new XElement("header_from", r.HeaderFrom)),
                    new XElement("auth_results",
                        r.Dkim.Select(d => new XElement("dkim",
                            new XElement("domain", d.Domain),
                            d.Selector is null ? null : new XElement("selector", d.Selector),
                            new XElement("result", d.Result))),
                        r.Spf.Select(s => new XElement("spf",
                            new XElement("domain", s.Domain),
                            new XElement("scope", s.Scope),
                            new XElement("result", s.Result))))))));
    }

    /// <exception cref="FormatException">Not a well-formed aggregate report, a DTD, too large, or a value out of its type.</exception>
    public static AggregateReport Read(Stream xml)
    {
        var settings = new XmlReaderSettings
        {
            DtdProcessing = DtdProcessing.Prohibit,
            XmlResolver = null,
            MaxCharactersInDocument = MaxCharacters,
            MaxCharactersFromEntities = 0,
            IgnoreComments = true,
            IgnoreProcessingInstructions = true,
        };
        XDocument document;
        try
        {
            using var reader = XmlReader.Create(xml, settings);
            document = XDocument.Load(reader);
        }
        catch (XmlException exception)
        {
            throw new FormatException($"The report is not acceptable XML: {exception.Message}", exception);
        }
        var feedback = document.Root is { Name.LocalName: "feedback" } root ? root : throw new FormatException("The root element is not <feedback>.");
        var metadata = Required(feedback, "report_metadata");
        var range = Required(metadata, "date_range");
        var policy = Required(feedback, "policy_published");
        var records = feedback.Elements().Where(e => e.Name.LocalName == "record").ToArray();
        if (records.Length == 0)
            throw new FormatException("The report has no <record>.");
        if (records.Length > MaxRecords)
            throw new FormatException($"The report has {records.Length} records; at most {MaxRecords} are accepted.");
        return new AggregateReport(
            Text(metadata, "org_name"), Optional(metadata, "email") ?? "", Text(metadata, "report_id"),
            Time(range, "begin"), Time(range, "end"),
            new PublishedPolicy(Domain(Text(policy, "domain")), Optional(policy, "adkim") ?? "r", Optional(policy, "aspf") ?? "r",
                OneOf(Text(policy, "p"), Dispositions, "p"), OneOf(Optional(policy, "sp") ?? Text(policy, "p"), Dispositions, "sp"),
                Optional(policy, "pct") is { } pct ? Number(pct, "pct", 100) : 100),
            [.. records.Select(ReadRecord)]);
    }

    private static AggregateReportRecord ReadRecord(XElement record)
    {
        var row = Required(record, "row");
        var evaluated = Required(row, "policy_evaluated");
        var identifiers = Required(record, "identifiers");
        var auth = Required(record, "auth_results");
        var ip = Text(row, "source_ip");
        if (!IPAddress.TryParse(ip, out var address))
            throw new FormatException($"\"{Shorten(ip)}\" is not an IP address (source_ip).");
        return new AggregateReportRecord(
            address.ToString(), Number(Text(row, "count"), "count", long.MaxValue),
            OneOf(Text(evaluated, "disposition"), Dispositions, "disposition"),
            OneOf(Text(evaluated, "dkim"), DmarcResults, "dkim"), OneOf(Text(evaluated, "spf"), DmarcResults, "spf"),
            Domain(Text(identifiers, "header_from")),
            [.. auth.Elements().Where(e => e.Name.LocalName == "dkim").Select(d => new DkimAuthResult(Text(d, "domain").ToLowerInvariant(), Optional(d, "selector"), Text(d, "result").ToLowerInvariant()))],
            [.. auth.Elements().Where(e => e.Name.LocalName == "spf").Select(s => new SpfAuthResult(Text(s, "domain").ToLowerInvariant(), Optional(s, "scope") ?? "mfrom", Text(s, "result").ToLowerInvariant()))],
            Optional(identifiers, "envelope_to"));
    }

    private static XElement Required(XElement parent, string name) =>
        parent.Elements().FirstOrDefault(e => e.Name.LocalName == name) ?? throw new FormatException($"<{parent.Name.LocalName}> lacks <{name}>.");

    private static string? Optional(XElement parent, string name) =>
        parent.Elements().FirstOrDefault(e => e.Name.LocalName == name)?.Value.Trim() is { Length: > 0 } value ? Limit(value, name) : null;

    private static string Text(XElement parent, string name) =>
        Optional(parent, name) ?? throw new FormatException($"<{parent.Name.LocalName}> lacks a value for <{name}>.");

    private static string Limit(string value, string name) => value.Length <= 512 ? value : throw new FormatException($"<{name}> is longer than 512 characters.");

    private static long Number(string text, string name, long max) =>
        long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= max
            ? value : throw new FormatException($"<{name}> \"{Shorten(text)}\" is not a number up to {max}.");

    private static int Number(string text, string name, int max) => (int)Number(text, name, (long)max);

    private static DateTimeOffset Time(XElement parent, string name) =>
        DateTimeOffset.FromUnixTimeSeconds(Math.Min(Number(Text(parent, name), name, 253402300799L), 253402300799L));

    private static string OneOf(string text, string[] allowed, string name)
    {
        var value = text.ToLowerInvariant();
        return allowed.Contains(value) ? value : throw new FormatException($"<{name}> \"{Shorten(text)}\" is not one of {string.Join(", ", allowed)}.");
    }

    private static string Domain(string text)
    {
        var domain = DomainName.Normalize(text);
        return DomainName.IsValid(domain) ? domain : throw new FormatException($"\"{Shorten(text)}\" is not a domain.");
    }

    private static string Shorten(string text) => text.Length <= 64 ? text : text[..64] + "…";
}
