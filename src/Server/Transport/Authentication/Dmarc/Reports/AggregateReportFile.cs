using System.IO.Compression;
using System.Text;
using MimeKit;

namespace Mailflow.Server.Transport.Authentication.Dmarc.Reports;

/// <summary>
/// The file a DMARC aggregate report travels in (RFC 7489 §7.2.1.1): gzip-compressed XML named
/// "receiver!policy-domain!begin!end.xml.gz" when we send; gzip, zip or plain XML when we receive,
/// never expanded past <see cref="MaxExpandedBytes"/> (a zip or gzip bomb stops there).
/// </summary>
public static class AggregateReportFile
{
    /// <summary>Most bytes of XML a received report may expand to.</summary>
    public const long MaxExpandedBytes = 20L * 1024 * 1024;

    public static string FileName(string receiverDomain, AggregateReport report) =>
        $"{receiverDomain}!{report.Policy.Domain}!{report.Begin.ToUnixTimeSeconds()}!{report.End.ToUnixTimeSeconds()}.xml.gz";

    public static byte[] Compress(AggregateReport report)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        using (var writer = new StreamWriter(gzip, new UTF8Encoding(false)))
            AggregateReportXml.Write(report).Save(writer, System.Xml.Linq.SaveOptions.DisableFormatting);
        return buffer.ToArray();
    }

    /// <summary>Whether a MIME part looks like an aggregate report file (by type or name), before it is opened.</summary>
    public static bool IsCandidate(MimePart part)
    {
        var type = part.ContentType.MimeType.ToLowerInvariant();
        var name = (part.FileName ?? "").ToLowerInvariant();
        return type is "application/gzip" or "application/x-gzip" or "application/zip" or "application/x-zip-compressed" or "text/xml" or "application/xml"
               || name.EndsWith(".xml", StringComparison.Ordinal) || name.EndsWith(".xml.gz", StringComparison.Ordinal)
               || name.EndsWith(".gz", StringComparison.Ordinal) || name.EndsWith(".zip", StringComparison.Ordinal);
    }

    /// <summary>Decodes the part (gzip, zip with one .xml entry, or XML) and reads the report.</summary>
    /// <exception cref="FormatException">Not a report, or it expands past the limit.</exception>
    public static AggregateReport Read(MimePart part)
    {
        if (part.Content is null)
            throw new FormatException("The attachment is empty.");
        using var decoded = new MemoryStream();
        part.Content.DecodeTo(decoded);
        if (decoded.Length > MaxExpandedBytes)
            throw new FormatException($"The attachment is larger than {MaxExpandedBytes / (1024 * 1024)} MB.");
        return Read(decoded.ToArray());
    }

    /// <exception cref="FormatException">Not a report, or it expands past the limit.</exception>
    public static AggregateReport Read(byte[] file)
    {
        if (file.Length >= 2 && file[0] == 0x1f && file[1] == 0x8b)
        {
            using var gzip = new GZipStream(new MemoryStream(file), CompressionMode.Decompress);
            return AggregateReportXml.Read(new MemoryStream(Bounded(gzip)));
        }
        if (file.Length >= 4 && file[0] == 'P' && file[1] == 'K' && file[2] == 3 && file[3] == 4)
        {
            try
            {
                using var zip = new ZipArchive(new MemoryStream(file), ZipArchiveMode.Read);
                var entry = zip.Entries.FirstOrDefault(e => e.FullName.EndsWith(".xml", StringComparison.OrdinalIgnoreCase))
                    ?? throw new FormatException("The zip file holds no .xml file.");
                using var stream = entry.Open();
                return AggregateReportXml.Read(new MemoryStream(Bounded(stream)));
            }
            catch (InvalidDataException exception)
            {
                throw new FormatException($"The zip file is damaged: {exception.Message}", exception);
            }
        }
        return AggregateReportXml.Read(new MemoryStream(file));
    }

    /// <summary>Reads at most <see cref="MaxExpandedBytes"/>; one byte more is a refusal, whatever the archive claims.</summary>
    private static byte[] Bounded(Stream stream)
    {
        using var output = new MemoryStream();
        var buffer = new byte[81920];
        try
        {
            int read;
            while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                if (output.Length + read > MaxExpandedBytes)
                    throw new FormatException($"The report expands to more than {MaxExpandedBytes / (1024 * 1024)} MB.");
                output.Write(buffer, 0, read);
            }
        }
        catch (InvalidDataException exception)
        {
            throw new FormatException($"The compressed report is damaged: {exception.Message}", exception);
        }
        return output.ToArray();
    }
}
