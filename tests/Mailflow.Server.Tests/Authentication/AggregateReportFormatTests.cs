using System.IO.Compression;
using System.Text;
using Mailflow.Server.Transport.Authentication.Dmarc.Reports;
using MimeKit;

namespace Mailflow.Server.Tests.Authentication;

/// <summary>DMARC aggregate report files (RFC 7489 §7.2, Appendix C): written, compressed and read back; hostile files refused.</summary>
public sealed class AggregateReportFormatTests
{
    public static AggregateReport Sample(int records = 2) => new(
        "mx.contoso.test", "dmarc-reports@contoso.test", "contoso.test-20261206-fabrikam.test",
        new DateTimeOffset(2026, 12, 6, 0, 0, 0, TimeSpan.Zero), new DateTimeOffset(2026, 12, 6, 23, 59, 59, TimeSpan.Zero),
        new PublishedPolicy("fabrikam.test", "r", "s", "reject", "quarantine", 100),
        [.. Enumerable.Range(0, records).Select(i => new AggregateReportRecord(
            i % 2 == 0 ? "192.0.2.10" : "2001:db8::25", 3 + i, i % 2 == 0 ? "none" : "reject", i % 2 == 0 ? "pass" : "fail", "fail", "fabrikam.test",
            [new DkimAuthResult("fabrikam.test", "s1", i % 2 == 0 ? "pass" : "fail")], [new SpfAuthResult("bounces.fabrikam.test", "mfrom", "softfail")],
            EnvelopeTo: "contoso.test"))]);

    [Fact]
    public void A_gzip_report_reads_back_as_written()
    {
        var report = Sample();

        var read = AggregateReportFile.Read(AggregateReportFile.Compress(report));

        Assert.Equal(report.OrganizationName, read.OrganizationName);
        Assert.Equal(report.ReportId, read.ReportId);
        Assert.Equal(report.Begin, read.Begin);
        Assert.Equal(report.End, read.End);
        Assert.Equal(report.Policy, read.Policy);
        Assert.Equal(2, read.Records.Count);
        for (var i = 0; i < 2; i++)
        {
            Assert.Equal(report.Records[i] with { Dkim = [], Spf = [] }, read.Records[i] with { Dkim = [], Spf = [] });
            Assert.Equal(report.Records[i].Dkim, read.Records[i].Dkim);
            Assert.Equal(report.Records[i].Spf, read.Records[i].Spf);
        }
        Assert.Equal("mx.contoso.test!fabrikam.test!1796515200!1796601599.xml.gz", AggregateReportFile.FileName("mx.contoso.test", report));
    }

    [Fact]
    public void Zip_and_plain_xml_reports_are_read()
    {
        var xml = Encoding.UTF8.GetBytes(AggregateReportXml.Write(Sample()).ToString());
        using var zipped = new MemoryStream();
        using (var zip = new ZipArchive(zipped, ZipArchiveMode.Create, leaveOpen: true))
        using (var entry = zip.CreateEntry("google.com!fabrikam.test!1!2.xml").Open())
            entry.Write(xml);

        Assert.Equal(2, AggregateReportFile.Read(zipped.ToArray()).Records.Count);
        Assert.Equal(2, AggregateReportFile.Read(xml).Records.Count);
    }

    [Fact]
    public void A_mime_attachment_is_recognised_and_decoded()
    {
        var part = new MimePart("application", "gzip") { FileName = "x!fabrikam.test!1!2.xml.gz", Content = new MimeContent(new MemoryStream(AggregateReportFile.Compress(Sample()))), ContentTransferEncoding = ContentEncoding.Base64 };

        Assert.True(AggregateReportFile.IsCandidate(part));
        Assert.Equal("fabrikam.test", AggregateReportFile.Read(part).Policy.Domain);
    }

    [Fact]
    public void A_report_with_a_dtd_or_external_entity_is_refused()
    {
        const string xxe = """
            <?xml version="1.0"?>
            <!DOCTYPE feedback [ <!ENTITY secret SYSTEM "file:///etc/passwd"> ]>
            <feedback><report_metadata><org_name>&secret;</org_name></report_metadata></feedback>
            """;
        const string billionLaughs = """
            <?xml version="1.0"?>
            <!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
            <feedback>&lol2;</feedback>
            """;

        Assert.Contains("DTD", Assert.Throws<FormatException>(() => AggregateReportFile.Read(Encoding.UTF8.GetBytes(xxe))).Message);
        Assert.Throws<FormatException>(() => AggregateReportFile.Read(Encoding.UTF8.GetBytes(billionLaughs)));
    }

    [Fact]
    public void A_gzip_bomb_stops_at_the_limit()
    {
        using var compressed = new MemoryStream();
        using (var gzip = new GZipStream(compressed, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            var zeros = new byte[1024 * 1024];
            for (var i = 0; i <= AggregateReportFile.MaxExpandedBytes / zeros.Length; i++)
                gzip.Write(zeros);
        }
        Assert.True(compressed.Length < 1024 * 1024, "the bomb is small on the wire");

        var refusal = Assert.Throws<FormatException>(() => AggregateReportFile.Read(compressed.ToArray()));
        Assert.Contains("expands to more than", refusal.Message);
    }

    [Theory]
    [InlineData("<feedback/>", "lacks <report_metadata>")]
    [InlineData("<report/>", "not <feedback>")]
    [InlineData("not xml at all", "not acceptable XML")]
    public void Malformed_reports_are_refused_with_the_reason(string xml, string reason)
    {
        Assert.Contains(reason, Assert.Throws<FormatException>(() => AggregateReportFile.Read(Encoding.UTF8.GetBytes(xml))).Message);
    }

    [Fact]
    public void Values_out_of_their_type_are_refused()
    {
        var text = AggregateReportXml.Write(Sample()).ToString().Replace("192.0.2.10", "192.0.2.999");

        Assert.Contains("not an IP address", Assert.Throws<FormatException>(() => AggregateReportFile.Read(Encoding.UTF8.GetBytes(text))).Message);
    }
}
