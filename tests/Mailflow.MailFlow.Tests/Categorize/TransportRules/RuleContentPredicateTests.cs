using System.IO.Compression;
using System.Text;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Categorize.TransportRules;
using static Mailflow.MailFlow.Tests.Categorize.TransportRules.RuleTestMessages;

namespace Mailflow.MailFlow.Tests.Categorize.TransportRules;

/// <summary>
/// The conditions that look at what kind of message it is and inside its attachments: message types,
/// importance, attachment text (text parts, ZIP members, Office documents), password protection and
/// damaged archives, each against a message built for it.
/// </summary>
public sealed class RuleContentPredicateTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    public static TheoryData<string, string[], Func<RuleMessageContext>, bool> Cases => new()
    {
        { "MessageTypeIs", ["Calendaring"], () => Context(raw: Multipart("text/calendar; method=REQUEST", "BEGIN:VCALENDAR\r\nEND:VCALENDAR")), true },
        { "MessageTypeIs", ["Signed"], () => Context(raw: "Subject: s\r\nMIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; micalg=sha-256; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nsigned\r\n--b\r\nContent-Type: application/pkcs7-signature\r\n\r\nAAAA\r\n--b--\r\n"), true },
        { "MessageTypeIs", ["Encrypted"], () => Context(raw: "Subject: e\r\nMIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n"), true },
        { "MessageTypeIs", ["Signed"], () => Context(raw: "Subject: e\r\nMIME-Version: 1.0\r\nContent-Type: application/pkcs7-mime; smime-type=enveloped-data; name=smime.p7m\r\nContent-Transfer-Encoding: base64\r\n\r\nAAAA\r\n"), false },
        { "MessageTypeIs", ["Ndr"], () => Context(raw: Report("delivery-status")), true },
        { "MessageTypeIs", ["ReadReceipt"], () => Context(raw: Report("disposition-notification")), true },
        { "MessageTypeIs", ["Ndr"], () => Context(raw: Report("disposition-notification")), false },
        { "MessageTypeIs", ["AutoReply"], () => Context(raw: "Subject: Out of office\r\nAuto-Submitted: auto-replied\r\n\r\naway\r\n"), true },
        { "MessageTypeIs", ["AutoForward"], () => Context(raw: "Subject: Fwd\r\nAuto-Submitted: auto-forwarded\r\n\r\nforwarded\r\n"), true },
        { "MessageTypeIs", ["AutoReply"], () => Context(raw: "Subject: Fwd\r\nAuto-Submitted: auto-forwarded\r\n\r\nforwarded\r\n"), false },
        { "ImportanceIs", ["High"], () => Context(raw: "Subject: urgent\r\nX-Priority: 1 (Highest)\r\n\r\nnow\r\n"), true },
        { "ImportanceIs", ["Low"], () => Context(raw: "Subject: whenever\r\nImportance: low\r\n\r\nlater\r\n"), true },
        { "AttachmentContainsWords", ["invoice"], () => Context(raw: Multipart("text/plain; name=\"notes.txt\"", "Please pay the invoice today.", "notes.txt")), true },
        { "AttachmentContainsWords", ["payroll"], () => Context(raw: Attached("archive.zip", "application/zip", Zip(("data/salaries.csv", "name,payroll\r\nbob,1")))), true },
        { "AttachmentContainsWords", ["payroll"], () => Context(raw: Attached("archive.zip", "application/zip", Zip(("image.bin", "payroll")))), false },
        { "AttachmentContainsWords", ["merger"], () => Context(raw: Attached("plan.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Zip(("word/document.xml", "<w:document><w:body><w:p><w:r><w:t>Secret merger plan</w:t></w:r></w:p></w:body></w:document>")))), true },
        { "AttachmentIsPasswordProtected", [], () => Context(raw: Attached("locked.zip", "application/zip", EncryptedZip())), true },
        { "AttachmentIsPasswordProtected", [], () => Context(raw: Attached("locked.pdf", "application/pdf", Encoding.ASCII.GetBytes("%PDF-1.7\n1 0 obj\n<< >>\nendobj\ntrailer\n<< /Root 1 0 R /Encrypt 2 0 R >>\n%%EOF\n"))), true },
        { "AttachmentIsPasswordProtected", [], () => Context(raw: Attached("open.pdf", "application/pdf", Encoding.ASCII.GetBytes("%PDF-1.7\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n"))), false },
        { "AttachmentCannotBeInspected", [], () => Context(raw: Attached("broken.zip", "application/zip", [.. "PK\u0003\u0004"u8.ToArray(), .. new byte[64]])), true },
        { "AttachmentCannotBeInspected", [], () => Context(raw: Attached("locked.zip", "application/zip", EncryptedZip())), true },
        { "HasNoAttachment", [], () => Context(raw: "Subject: plain\r\n\r\nno attachments\r\n"), true },
        { "SpfResultIs", ["pass"], () => Context(tags: new Dictionary<string, string>()), false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ConditionMatchesAsExpected_When_MessageIsBuiltForIt(string kind, string[] values, Func<RuleMessageContext> context, bool expected)
    {
        var builder = Directory();
        builder.Rule(Rule("rule", [Predicate(kind, values)]));
        var condition = Assert.Single(Assert.Single(TransportRuleEvaluator.Evaluate(builder.Build(), context(), Now).Rules).Conditions);
        Assert.True(expected == condition.Matched, $"{kind}: {condition.Explanation}");
        Assert.Null(condition.Problem);
    }

    [Fact]
    public void ExplanationsSayWhatWasFound_When_ShownOnTheTestPage()
    {
        var builder = Directory();
        builder.Rule(Rule("explain", [
            Predicate("MessageTypeIs", "Ndr"),
            Predicate("AttachmentIsPasswordProtected"),
            Predicate("SpfResultIs", "fail"),
        ]));
        var raw = Report("delivery-status").Replace("--b--", "--b\r\nContent-Type: application/zip\r\nContent-Disposition: attachment; filename=\"locked.zip\"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            + Convert.ToBase64String(EncryptedZip()) + "\r\n--b--", StringComparison.Ordinal);
        var conditions = Assert.Single(TransportRuleEvaluator.Evaluate(builder.Build(), Context(raw: raw), Now).Rules).Conditions;

        Assert.Equal("The message is a non-delivery report (NDR): it is a multipart/report of type delivery-status.", conditions[0].Explanation);
        Assert.Equal("The attachment “locked.zip” is password-protected: the archive member “secret.txt” is password-protected.", conditions[1].Explanation);
        Assert.Equal("The sender authentication agent's SPF result is pass, not fail.", conditions[2].Explanation);
    }

    private static string Multipart(string contentType, string content, string? fileName = null) =>
        "Subject: multipart\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
        "--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n" +
        $"--b\r\nContent-Type: {contentType}\r\n" + (fileName is null ? "" : $"Content-Disposition: attachment; filename=\"{fileName}\"\r\n") +
        $"\r\n{content}\r\n--b--\r\n";

    private static string Attached(string fileName, string contentType, byte[] bytes) =>
        "Subject: attached\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
        "--b\r\nContent-Type: text/plain\r\n\r\nsee attachment\r\n" +
        $"--b\r\nContent-Type: {contentType}\r\nContent-Disposition: attachment; filename=\"{fileName}\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" +
        Convert.ToBase64String(bytes, Base64FormattingOptions.InsertLineBreaks) + "\r\n--b--\r\n";

    private static string Report(string reportType) =>
        $"Subject: report\r\nMIME-Version: 1.0\r\nContent-Type: multipart/report; report-type={reportType}; boundary=b\r\n\r\n" +
        "--b\r\nContent-Type: text/plain\r\n\r\nreport\r\n--b--\r\n";

    internal static byte[] Zip(params (string Name, string Content)[] members)
    {
        using var buffer = new MemoryStream();
        using (var zip = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in members)
            {
                using var writer = new StreamWriter(zip.CreateEntry(name).Open());
                writer.Write(content);
            }
        }
        return buffer.ToArray();
    }

    /// <summary>A ZIP whose entry carries the "encrypted" flag (APPNOTE 4.4.4 bit 0) in its local and central headers, as a password-protected archive does.</summary>
    internal static byte[] EncryptedZip()
    {
        var bytes = Zip(("secret.txt", "the payroll"));
        for (var i = 0; i + 4 <= bytes.Length; i++)
        {
            if (bytes[i] == 'P' && bytes[i + 1] == 'K' && bytes[i + 2] == 3 && bytes[i + 3] == 4)
                bytes[i + 6] |= 1;
            if (bytes[i] == 'P' && bytes[i + 1] == 'K' && bytes[i + 2] == 1 && bytes[i + 3] == 2)
                bytes[i + 8] |= 1;
        }
        return bytes;
    }
}
