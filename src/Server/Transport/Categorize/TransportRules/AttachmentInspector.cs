using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using MimeKit;

namespace Mailflow.Server.Transport.Categorize.TransportRules;

/// <summary>What rules learned from an attachment's content.</summary>
/// <param name="Text">The plain text found in it (empty when none could be extracted).</param>
/// <param name="PasswordProtected">An encrypted ZIP entry, an encrypted PDF or a password-protected Office document.</param>
/// <param name="Problem">Why the content could not be inspected (damaged archive, over the inspection limit, password); null when it was.</param>
internal sealed record AttachmentInspection(string Text, bool PasswordProtected, string? Problem);

/// <summary>
/// Reads the text of an attachment for "attachment content includes words", cheaply and within
/// bounds, and notices what it cannot read. Covered: text/* parts (HTML without its markup),
/// attached messages (their text body), and inside ZIP archives and Office Open XML documents
/// (.docx, .xlsx, .pptx: ZIP files of XML) the text and XML members. PDF text, legacy Office
/// (.doc, .xls) and nested archives are not extracted. Password protection is recognised for ZIP
/// entries (the encryption flag of the central directory), PDF (an /Encrypt dictionary) and Office
/// documents (an OLE compound file with an EncryptedPackage stream, how Office stores them).
/// </summary>
internal static class AttachmentInspector
{
    /// <summary>Larger attachments are not opened: their content "could not be inspected".</summary>
    public const long InspectionLimitBytes = 10 * 1024 * 1024;
    /// <summary>At most this much text is taken from one attachment (words beyond it are not searched).</summary>
    private const int TextLimitChars = 1024 * 1024;
    private const int ArchiveMemberLimit = 200;

    private static readonly HashSet<string> TextMemberExtensions = new(StringComparer.OrdinalIgnoreCase)
    {
        "txt", "csv", "tsv", "md", "log", "json", "xml", "htm", "html", "ini", "eml", "ics", "vcf", "rtf",
    };

    private static readonly HashSet<string> OfficeOpenXmlExtensions = new(StringComparer.OrdinalIgnoreCase) { "docx", "docm", "xlsx", "xlsm", "pptx", "pptm" };

    public static AttachmentInspection Inspect(MessageAttachment attachment)
    {
        switch (attachment.Entity)
        {
            case MessagePart { Message: { } inner }:
                return new AttachmentInspection(Limit(MessageText.Extract(inner).Body), false, null);
            case TextPart text:
                return new AttachmentInspection(Limit(text.IsHtml ? MessageText.HtmlToText(text.Text) : text.Text), false, null);
            case MimePart part when part.Content is not null:
                if (attachment.SizeBytes > InspectionLimitBytes)
                    return new AttachmentInspection("", false, $"it is {RulePredicateEvaluator.Size(attachment.SizeBytes)}, over the {RulePredicateEvaluator.Size(InspectionLimitBytes)} inspection limit");
                using (var buffer = new MemoryStream())
                {
                    part.Content.DecodeTo(buffer);
                    return InspectBytes(attachment.Extension, part.ContentType.MimeType, buffer.ToArray());
                }
            default:
                return new AttachmentInspection("", false, null);
        }
    }

    private static AttachmentInspection InspectBytes(string extension, string mimeType, byte[] bytes)
    {
        if (StartsWith(bytes, "PK\u0003\u0004"u8) || StartsWith(bytes, "PK\u0005\u0006"u8))
            return InspectZip(bytes, OfficeOpenXmlExtensions.Contains(extension));
        if (StartsWith(bytes, "%PDF-"u8))
            return bytes.AsSpan().IndexOf("/Encrypt"u8) >= 0
                ? new AttachmentInspection("", true, "it is a password-protected (encrypted) PDF")
                : new AttachmentInspection("", false, null);
        if (StartsWith(bytes, [0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]))
            return bytes.AsSpan().IndexOf(Encoding.Unicode.GetBytes("EncryptedPackage")) >= 0
                ? new AttachmentInspection("", true, "it is a password-protected Office document")
                : new AttachmentInspection("", false, null);
        if (TextMemberExtensions.Contains(extension) || mimeType.StartsWith("text/", StringComparison.OrdinalIgnoreCase))
            return new AttachmentInspection(Limit(Encoding.UTF8.GetString(bytes)), false, null);
        return new AttachmentInspection("", false, null);
    }

    private static AttachmentInspection InspectZip(byte[] bytes, bool officeDocument)
    {
        if (EncryptedZipEntry(bytes) is { } encrypted)
            return new AttachmentInspection("", true, officeDocument ? "it is a password-protected document" : $"the archive member “{encrypted}” is password-protected");
        var text = new StringBuilder();
        try
        {
            using var zip = new ZipArchive(new MemoryStream(bytes, writable: false), ZipArchiveMode.Read);
            foreach (var entry in zip.Entries.Take(ArchiveMemberLimit))
            {
                if (text.Length >= TextLimitChars)
                    break;
                var dot = entry.Name.LastIndexOf('.');
                var memberExtension = dot < 0 ? "" : entry.Name[(dot + 1)..];
                if (!TextMemberExtensions.Contains(memberExtension) || entry.Length > InspectionLimitBytes)
                    continue;
                using var reader = new StreamReader(entry.Open(), Encoding.UTF8);
                var content = reader.ReadToEnd();
                // XML members (Office documents): the text between the tags.
                text.Append(memberExtension.Equals("xml", StringComparison.OrdinalIgnoreCase) ? MessageText.HtmlToText(content) : content).Append('\n');
            }
        }
        catch (InvalidDataException ex)
        {
            return new AttachmentInspection(Limit(text.ToString()), false, $"the archive is damaged ({ex.Message})");
        }
        return new AttachmentInspection(Limit(text.ToString()), false, null);
    }

    /// <summary>The name of the first entry whose central directory record has the "encrypted" flag (APPNOTE 4.4.4 bit 0), or null.</summary>
    internal static string? EncryptedZipEntry(byte[] bytes)
    {
        // The end of central directory record: at least 22 bytes from the end, before a comment of up to 64 KB.
        var end = -1;
        for (var i = bytes.Length - 22; i >= Math.Max(0, bytes.Length - 22 - 65535); i--)
        {
            if (bytes[i] == 'P' && bytes[i + 1] == 'K' && bytes[i + 2] == 5 && bytes[i + 3] == 6)
            {
                end = i;
                break;
            }
        }
        if (end < 0)
            return null;
        var count = BinaryPrimitives.ReadUInt16LittleEndian(bytes.AsSpan(end + 10));
        var offset = (long)BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(end + 16));
        for (var n = 0; n < count && offset + 46 <= bytes.Length; n++)
        {
            var record = bytes.AsSpan((int)offset);
            if (BinaryPrimitives.ReadUInt32LittleEndian(record) != 0x02014b50)
                return null;
            var flags = BinaryPrimitives.ReadUInt16LittleEndian(record[8..]);
            var nameLength = BinaryPrimitives.ReadUInt16LittleEndian(record[28..]);
            var extraLength = BinaryPrimitives.ReadUInt16LittleEndian(record[30..]);
            var commentLength = BinaryPrimitives.ReadUInt16LittleEndian(record[32..]);
            if ((flags & 1) != 0)
                return 46 + nameLength <= record.Length ? Encoding.UTF8.GetString(record.Slice(46, nameLength)) : "?";
            offset += 46 + nameLength + extraLength + commentLength;
        }
        return null;
    }

    private static bool StartsWith(byte[] bytes, ReadOnlySpan<byte> prefix) => bytes.AsSpan().StartsWith(prefix);

    private static string Limit(string text) => text.Length <= TextLimitChars ? text : text[..TextLimitChars];
}
