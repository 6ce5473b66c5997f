using System.Text;
using MimeKit;
using MimeKit.Text;

namespace Mailflow.Server.Transport.Categorize.TransportRules;

/// <summary>
/// The decoded text rules match words and patterns against: the subject (RFC 2047 decoded by MimeKit)
/// and the body — every text/plain part that is not an attachment, and every text/html part with its
/// tags, scripts and styles removed and character references decoded.
/// </summary>
internal sealed record MessageText(string Subject, string Body)
{
    public static MessageText Extract(MimeMessage message)
    {
        var body = new StringBuilder();
        foreach (var part in message.BodyParts.OfType<TextPart>())
        {
            if (part.IsAttachment)
                continue;
            if (body.Length > 0)
                body.Append('\n');
            body.Append(part.IsHtml ? HtmlToText(part.Text) : part.Text);
        }
        return new MessageText(message.Subject ?? "", body.ToString());
    }

    internal static string HtmlToText(string html)
    {
        var text = new StringBuilder(html.Length / 2);
        var tokenizer = new HtmlTokenizer(new StringReader(html)) { DecodeCharacterReferences = true };
        var skipping = HtmlTagId.Unknown;
        while (tokenizer.ReadNextToken(out var token))
        {
            switch (token)
            {
                case HtmlTagToken tag when skipping != HtmlTagId.Unknown:
                    if (tag.IsEndTag && tag.Id == skipping)
                        skipping = HtmlTagId.Unknown;
                    break;
                case HtmlTagToken tag when !tag.IsEndTag && !tag.IsEmptyElement && tag.Id is HtmlTagId.Script or HtmlTagId.Style:
                    // The tokenizer reads their content as raw text itself; it is code and styling, not words.
                    skipping = tag.Id;
                    break;
                case HtmlTagToken tag when tag.Id is HtmlTagId.Br or HtmlTagId.P or HtmlTagId.Div or HtmlTagId.TR or HtmlTagId.LI or HtmlTagId.TD or HtmlTagId.TH:
                    // Block boundaries separate words: "<td>a</td><td>b</td>" is "a b", not "ab".
                    text.Append(' ');
                    break;
                case HtmlDataToken data when skipping == HtmlTagId.Unknown:
                    text.Append(data.Data);
                    break;
            }
        }
        return text.ToString();
    }
}
