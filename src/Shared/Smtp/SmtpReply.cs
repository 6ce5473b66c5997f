using System.Text;

namespace Mailflow.Smtp;

/// <summary>
/// One SMTP reply: the three-digit code (RFC 5321 §4.2), the RFC 3463 enhanced status code and the
/// human-readable text. Text containing <c>\n</c> renders as a multi-line reply (§4.2.1:
/// <c>250-first</c> … <c>250 last</c>), each line carrying the enhanced code (RFC 2034 §3).
/// Client-visible text never carries configuration details or exception messages (maddy's
/// Message-vs-Reason split): the reason for the log travels separately.
/// </summary>
public sealed record SmtpReply(int Code, EnhancedStatusCode Enhanced, string Text)
{
    public SmtpReply(int code, string enhanced, string text) : this(code, EnhancedStatusCode.Parse(enhanced), text) { }

    /// <summary>2yz and 3yz: the command (or its first part) succeeded.</summary>
    public bool IsPositive => Code is >= 200 and < 400;
    /// <summary>4yz: the client may retry later.</summary>
    public bool IsTransient => Code is >= 400 and < 500;
    /// <summary>5yz: retrying the same thing will fail again.</summary>
    public bool IsPermanent => Code >= 500;

    public IEnumerable<string> Lines
    {
        get
        {
            var lines = Text.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                var separator = i == lines.Length - 1 ? ' ' : '-';
                var text = lines[i].TrimEnd('\r');
                yield return Enhanced.IsNone
                    ? $"{Code}{separator}{text}"
                    : $"{Code}{separator}{Enhanced} {text}";
            }
        }
    }

    /// <summary>The reply as it goes on the wire, every line ended by CRLF.</summary>
    public string Render()
    {
        var builder = new StringBuilder();
        foreach (var line in Lines)
            builder.Append(line).Append("\r\n");
        return builder.ToString();
    }

    public SmtpReply WithText(string text) => this with { Text = text };

    public override string ToString() => string.Join(" / ", Lines);
}
