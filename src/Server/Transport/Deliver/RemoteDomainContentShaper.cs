using System.Text;
using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Transport.Categorize.TransportRules;
using Mailflow.Server.Transport.Tracking;
using Mailflow.Tracking;
using MimeKit;

namespace Mailflow.Server.Transport.Deliver;

/// <summary>
/// Remote domains' content preferences at delivery over SMTP (Exchange's CharacterSet, NonMimeCharacterSet
/// and LineWrapSize), on the delivery's own parsed copy, after address rewriting and before DKIM signing:
/// <list type="bullet">
/// <item>MIME character set: each text part that is not an attachment is re-encoded in it when every character fits (else left in its own);</item>
/// <item>non-MIME character set: a message without MIME whose text is not plain ASCII is sent in it, labelled with MIME-Version and Content-Type (when every character fits);</item>
/// <item>line wrap: plain-text lines longer than the length are wrapped at the last space before it (a word longer than the line is cut); format=flowed text is left alone (its reader reflows it).</item>
/// </list>
/// Applied only when every recipient of the delivery outside the accepted domains is covered by the same
/// entry, and never to signed or encrypted messages or to messages that already carry a DKIM signature
/// (the change would break them). What it did, or why it did nothing, is a trace event.
/// </summary>
public sealed class RemoteDomainContentShaper(TransportConfigProvider config, MessageTracker? tracker = null)
{
    public IReadOnlyList<string> Apply(QueuedMessage message, IReadOnlyList<QueuedRecipient> recipients, MimeMessage content)
    {
        var changes = Apply(config.Current, recipients.Select(r => r.Address), content);
        if (changes.Count > 0)
            tracker?.Track(MessageTrackingEventKind.Agent, message, recipients.Select(r => r.Address), detail: "Remote domain: " + string.Join("; ", changes));
        return changes;
    }

    /// <summary>What the delivery to <paramref name="recipients"/> does to <paramref name="content"/> (in place) under <paramref name="snapshot"/>; the changes in words.</summary>
    public static IReadOnlyList<string> Apply(TransportConfig snapshot, IEnumerable<string> recipients, MimeMessage content)
    {
        if (!snapshot.RemoteDomainSettings.ShapesAnything)
            return [];
        var entries = recipients.Select(MailAddressRules.DomainOf).Where(d => snapshot.FindAcceptedDomain(d) is null)
            .Select(snapshot.RemoteDomainSettings.Find).DistinctBy(e => e.Id).ToList();
        if (entries.Count == 0 || !entries.Any(e => e.ShapesContent))
            return [];
        if (entries.Count > 1)
            return [$"content left as it is: the recipients are covered by different remote domain entries ({string.Join(", ", entries.Select(e => $"'{e.Name}'"))})"];
        var entry = entries[0];
        if ((MessageClassifier.Why(content, "Signed") ?? MessageClassifier.Why(content, "Encrypted")) is { } sealedWhy)
            return [$"'{entry.Name}': content left as it is because {sealedWhy} (changing it would break the signature or the encryption)"];
        if (content.Headers.Contains(HeaderId.DkimSignature))
            return [$"'{entry.Name}': content left as it is because it already carries a DKIM signature that the change would break"];

        var changes = new List<string>();
        // Without MIME: no MIME-Version and a body without a Content-Type of its own (one MimeKit built here has both once written).
        var isMime = content.Headers.Contains(HeaderId.MimeVersion) || content.Body?.Headers.Contains(HeaderId.ContentType) == true;
        foreach (var part in content.BodyParts.OfType<TextPart>().Where(p => !p.IsAttachment))
        {
            var text = part.Text;
            var target = isMime ? entry.CharacterSet : IsAscii(text) ? null : entry.NonMimeCharacterSet;
            var encoding = target is null ? null : Encode(target, text);
            if (target is not null && encoding is null)
                changes.Add($"'{entry.Name}': a {part.ContentType.MimeType} part stays in {part.ContentType.Charset ?? "its character set"}: not every character fits {target}");
            var wrapped = entry.LineWrapSize is { } width && part.IsPlain && !IsFlowed(part) ? Wrap(text, width) : text;
            var recode = encoding is not null && !string.Equals(part.ContentType.Charset, encoding.WebName, StringComparison.OrdinalIgnoreCase);
            if (!recode && ReferenceEquals(wrapped, text))
                continue;
            var charset = encoding ?? CurrentEncoding(part);
            part.SetText(charset, wrapped);
            part.ContentTransferEncoding = part.GetBestEncoding(EncodingConstraint.SevenBit);
            if (recode)
                changes.Add($"'{entry.Name}': {part.ContentType.MimeType} sent in {charset.WebName}");
            if (!ReferenceEquals(wrapped, text))
                changes.Add($"'{entry.Name}': {part.ContentType.MimeType} lines wrapped at {entry.LineWrapSize} characters");
        }
        if (!isMime && changes.Count > 0)
            content.MimeVersion = new Version(1, 0);
        return changes;
    }

    /// <summary>The encoding of <paramref name="charset"/> when it can carry every character of <paramref name="text"/>.</summary>
    private static Encoding? Encode(string charset, string text)
    {
        var encoding = (Encoding)RemoteDomainService.CharsetEncoding(charset).Clone();
        encoding.EncoderFallback = EncoderFallback.ExceptionFallback;
        try
        {
            encoding.GetByteCount(text);
            return encoding;
        }
        catch (EncoderFallbackException)
        {
            return null;
        }
    }

    private static Encoding CurrentEncoding(TextPart part)
    {
        try
        {
            return part.ContentType.Charset is { } charset ? RemoteDomainService.CharsetEncoding(charset) : new UTF8Encoding(false);
        }
        catch (ArgumentException)
        {
            return new UTF8Encoding(false);
        }
    }

    private static bool IsAscii(string text) => text.All(c => c < 128);

    private static bool IsFlowed(TextPart part) =>
        string.Equals(part.ContentType.Parameters["format"], "flowed", StringComparison.OrdinalIgnoreCase);

    /// <summary>Lines longer than <paramref name="width"/> broken at the last space before it (or cut); the same instance when nothing changes.</summary>
    internal static string Wrap(string text, int width)
    {
        var lines = text.Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');
        if (lines.All(l => l.Length <= width))
            return text;
        var result = new StringBuilder(text.Length + text.Length / width * 2);
        for (var i = 0; i < lines.Length; i++)
        {
            var line = lines[i];
            while (line.Length > width)
            {
                var cut = line.LastIndexOf(' ', width);
                var take = cut > 0 ? cut : width;
                result.Append(line, 0, take).Append("\r\n");
                line = line[(cut > 0 ? take + 1 : take)..];
            }
            result.Append(line);
            if (i < lines.Length - 1)
                result.Append("\r\n");
        }
        return result.ToString();
    }
}
