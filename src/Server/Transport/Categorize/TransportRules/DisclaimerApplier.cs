using System.Net;
using System.Text;
using System.Text.RegularExpressions;
using MimeKit;
using MimeKit.Cryptography;

namespace Mailflow.Server.Transport.Categorize.TransportRules;

public enum DisclaimerResult
{
    /// <summary>Inserted into the body text (every alternative: plain and HTML).</summary>
    Inserted,
    /// <summary>The body has no text to insert into; the disclaimer was added as a text part of its own.</summary>
    AddedAsPart,
    /// <summary>Fallback: the original message, untouched, is attached to a new message whose body is the disclaimer.</summary>
    Wrapped,
    /// <summary>Fallback: the message is left as it was.</summary>
    Ignored,
    /// <summary>Fallback: the message must be refused.</summary>
    Rejected,
}

/// <param name="Message">The message to continue with: the same object, or the wrapper for <see cref="DisclaimerResult.Wrapped"/>.</param>
public sealed record DisclaimerOutcome(DisclaimerResult Result, MimeMessage Message, string Description);

/// <summary>
/// Inserts a disclaimer into a message body with MimeKit, or applies the rule's fallback when the body
/// must not change. The body text is: a single text part; every alternative of multipart/alternative
/// (the plain and the HTML version both get it); the first part of multipart/mixed or related
/// (attachments are never touched). HTML gets the HTML form before &lt;/body&gt; (append) or after
/// &lt;body&gt; (prepend). A part keeps its charset when the disclaimer fits in it, otherwise it becomes UTF-8.
/// </summary>
public static partial class DisclaimerApplier
{
    /// <summary>
    /// False when changing the body would break a signature or cannot reach the text: multipart/signed
    /// and multipart/encrypted (RFC 1847, used by S/MIME and PGP/MIME, RFC 3156) and application/pkcs7-mime
    /// (RFC 8551 enveloped or opaque-signed data) anywhere on the way to the body text.
    /// </summary>
    public static bool CanModify(MimeMessage message) => message.Body is null || !IsSealed(message.Body) && !BodyPathSealed(message.Body);

    public static DisclaimerOutcome Apply(MimeMessage message, DisclaimerChange disclaimer)
    {
        if (!CanModify(message))
        {
            return disclaimer.Fallback switch
            {
                DisclaimerFallback.Wrap => new DisclaimerOutcome(DisclaimerResult.Wrapped, Wrap(message, disclaimer),
                    "The message is signed or encrypted, so it was attached unchanged to a new message that carries the disclaimer."),
                DisclaimerFallback.Ignore => new DisclaimerOutcome(DisclaimerResult.Ignored, message,
                    "The message is signed or encrypted, so it was delivered without the disclaimer."),
                _ => new DisclaimerOutcome(DisclaimerResult.Rejected, message,
                    "The message is signed or encrypted and can't carry the disclaimer, so it is rejected."),
            };
        }
        var targets = new List<TextPart>();
        if (message.Body is not null)
            CollectBodyText(message.Body, targets);
        if (targets.Count == 0)
        {
            AddAsPart(message, disclaimer);
            return new DisclaimerOutcome(DisclaimerResult.AddedAsPart, message, "The message has no body text, so the disclaimer was added as a text part.");
        }
        foreach (var part in targets)
            SetText(part, part.IsHtml ? InsertHtml(part.Text, disclaimer) : InsertText(part.Text, disclaimer));
        var where = disclaimer.Position == DisclaimerPosition.Append ? "at the end of" : "at the top of";
        return new DisclaimerOutcome(DisclaimerResult.Inserted, message, $"The disclaimer was added {where} the body ({string.Join(" and ", targets.Select(t => t.ContentType.MimeType))}).");
    }

    internal static RuleRejection Rejection(string ruleName) => new(
        "This message must carry a disclaimer, but it is signed or encrypted and can't be changed.",
        RuleRejection.DefaultEnhancedStatusCode,
        ruleName);

    internal static bool IsSealed(MimeEntity entity) =>
        entity is MultipartSigned or MultipartEncrypted or ApplicationPkcs7Mime
        || entity.ContentType.IsMimeType("multipart", "signed")
        || entity.ContentType.IsMimeType("multipart", "encrypted")
        || entity.ContentType.IsMimeType("application", "pkcs7-mime")
        || entity.ContentType.IsMimeType("application", "x-pkcs7-mime");

    private static bool BodyPathSealed(MimeEntity entity)
    {
        if (entity is not Multipart multipart || multipart.Count == 0)
            return false;
        if (entity.ContentType.IsMimeType("multipart", "alternative"))
            return multipart.Any(part => IsSealed(part) || BodyPathSealed(part));
        // multipart/mixed, related and the rest: the body is the first part.
        return IsSealed(multipart[0]) || BodyPathSealed(multipart[0]);
    }

    private static void CollectBodyText(MimeEntity entity, List<TextPart> targets)
    {
        switch (entity)
        {
            case TextPart text when !text.IsAttachment && (text.IsPlain || text.IsHtml):
                targets.Add(text);
                break;
            case Multipart alternative when alternative.ContentType.IsMimeType("multipart", "alternative"):
                foreach (var part in alternative)
                    CollectBodyText(part, targets);
                break;
            case Multipart multipart when multipart.Count > 0:
                CollectBodyText(multipart[0], targets);
                break;
        }
    }

    private static string InsertText(string text, DisclaimerChange disclaimer)
    {
        var lines = disclaimer.Text.ReplaceLineEndings("\r\n");
        return disclaimer.Position == DisclaimerPosition.Append
            ? text.TrimEnd('\r', '\n') + "\r\n\r\n" + lines + "\r\n"
            : lines + "\r\n\r\n" + text;
    }

    private static string InsertHtml(string html, DisclaimerChange disclaimer)
    {
        var fragment = HtmlOf(disclaimer);
        if (disclaimer.Position == DisclaimerPosition.Append)
        {
            var end = html.LastIndexOf("</body", StringComparison.OrdinalIgnoreCase);
            return end < 0 ? html + fragment : html.Insert(end, fragment);
        }
        var start = BodyStartTag().Match(html);
        return start.Success ? html.Insert(start.Index + start.Length, fragment) : fragment + html;
    }

    private static string HtmlOf(DisclaimerChange disclaimer) =>
        disclaimer.Html ?? "<p>" + WebUtility.HtmlEncode(disclaimer.Text).ReplaceLineEndings("<br>") + "</p>";

    private static MimeEntity DisclaimerBody(DisclaimerChange disclaimer)
    {
        var plain = new TextPart("plain");
        SetText(plain, disclaimer.Text.ReplaceLineEndings("\r\n") + "\r\n");
        if (disclaimer.Html is null)
            return plain;
        var html = new TextPart("html");
        SetText(html, $"<html><body>{disclaimer.Html}</body></html>\r\n");
        return new MultipartAlternative { plain, html };
    }

    private static void AddAsPart(MimeMessage message, DisclaimerChange disclaimer)
    {
        var part = DisclaimerBody(disclaimer);
        if (message.Body is Multipart mixed && mixed.ContentType.IsMimeType("multipart", "mixed"))
        {
            if (disclaimer.Position == DisclaimerPosition.Append)
                mixed.Add(part);
            else
                mixed.Insert(0, part);
            return;
        }
        var body = new Multipart("mixed");
        if (disclaimer.Position == DisclaimerPosition.Prepend)
            body.Add(part);
        if (message.Body is not null)
            body.Add(message.Body);
        if (disclaimer.Position == DisclaimerPosition.Append)
            body.Add(part);
        message.Body = body;
    }

    /// <summary>
    /// A new message with the original's headers (except the MIME ones, which describe the new body):
    /// the disclaimer, then the original as message/rfc822 (RFC 2046 §5.2.1), byte for byte, so its
    /// signature still verifies for the recipient.
    /// </summary>
    private static MimeMessage Wrap(MimeMessage original, DisclaimerChange disclaimer)
    {
        var wrapper = new MimeMessage();
        wrapper.Headers.Clear();
        foreach (var header in original.Headers)
        {
            if (header.Field.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) || header.Id == HeaderId.MimeVersion)
                continue;
            wrapper.Headers.Add(header.Clone());
        }
        wrapper.MimeVersion = new Version(1, 0);
        var attached = new MessagePart { Message = original, ContentDisposition = new ContentDisposition(ContentDisposition.Attachment) };
        // The disclaimer is the body whatever its position: readers show the first part as the message and the original as an attachment.
        wrapper.Body = new Multipart("mixed") { DisclaimerBody(disclaimer), attached };
        return wrapper;
    }

    private static void SetText(TextPart part, string text)
    {
        var encoding = Encoding.UTF8;
        var charset = part.ContentType.Charset;
        if (charset is not null)
        {
            try
            {
                var declared = Encoding.GetEncoding(charset, EncoderFallback.ExceptionFallback, DecoderFallback.ReplacementFallback);
                declared.GetByteCount(text);
                encoding = declared;
            }
            catch (ArgumentException)
            {
                // Unknown charset name, or the text does not fit in it (EncoderFallbackException is an ArgumentException): use UTF-8.
            }
        }
        var transfer = part.ContentTransferEncoding;
        part.SetText(encoding, text);
        // RFC 2045 §2.7: 7bit data is ASCII only; non-ASCII text needs an encoding that survives 7-bit transport.
        if (transfer is ContentEncoding.Default or ContentEncoding.SevenBit && !Ascii.IsValid(text))
            part.ContentTransferEncoding = ContentEncoding.QuotedPrintable;
    }

    [GeneratedRegex(@"<body\b[^>]*>", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex BodyStartTag();
}
