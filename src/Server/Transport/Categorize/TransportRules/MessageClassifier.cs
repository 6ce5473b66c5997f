using MimeKit;

namespace Mailflow.Server.Transport.Categorize.TransportRules;

/// <summary>
/// Which of <see cref="Mailflow.Configuration.RuleCatalog.MessageTypes"/> a message is, and its importance, from its headers and
/// MIME structure, with the reason in words for "Test mail flow". Recognised:
/// <list type="bullet">
/// <item>AutoForward: <c>Auto-Submitted: auto-forwarded</c>, <c>X-MS-Exchange-Organization-AutoForwarded: true</c>, or a <c>Resent-From</c> header (RFC 5322 §3.6.6);</item>
/// <item>AutoReply: <c>Auto-Submitted: auto-replied</c> (RFC 3834), <c>X-Autoreply</c>, <c>X-Autorespond</c>, <c>Precedence: auto_reply</c>,
/// or Exchange's and Outlook's out-of-office marker: <c>X-Auto-Response-Suppress</c> on a message that is <c>Auto-Submitted</c> (other than "no")
/// or whose subject starts "Automatic reply:" or "Out of Office" (a plain message carrying the header alone is an ordinary one);</item>
/// <item>Calendaring: a text/calendar or application/ics part (iCalendar, RFC 6047);</item>
/// <item>Signed: multipart/signed, or application/pkcs7-mime with smime-type=signed-data;</item>
/// <item>Encrypted: multipart/encrypted (PGP/MIME), or application/pkcs7-mime that is not signed-data (S/MIME enveloped);</item>
/// <item>Ndr: multipart/report; report-type=delivery-status (RFC 3464);</item>
/// <item>ReadReceipt: multipart/report; report-type=disposition-notification (RFC 8098).</item>
/// </list>
/// </summary>
internal static class MessageClassifier
{
    public static string? Why(MimeMessage message, string type) => type switch
    {
        "AutoForward" => HeaderIs(message, "Auto-Submitted", "auto-forwarded") ?? HeaderIs(message, "X-MS-Exchange-Organization-AutoForwarded", "true")
            ?? (message.ResentFrom.Count > 0 ? "it has a Resent-From: header" : null),
        "AutoReply" => HeaderIs(message, "Auto-Submitted", "auto-replied") ?? HeaderPresent(message, "X-Autoreply") ?? HeaderPresent(message, "X-Autorespond")
            ?? HeaderIs(message, "Precedence", "auto_reply") ?? OutOfOffice(message),
        "Calendaring" => Parts(message).FirstOrDefault(p => p.ContentType.IsMimeType("text", "calendar") || p.ContentType.IsMimeType("application", "ics"))
            is { } calendar ? $"it has a {calendar.ContentType.MimeType} part" : null,
        "Signed" => Parts(message).Any(p => p.ContentType.IsMimeType("multipart", "signed")) ? "it is multipart/signed"
            : Parts(message).Any(p => IsPkcs7(p) && SmimeType(p) == "signed-data") ? "it has an S/MIME signed-data part" : null,
        "Encrypted" => Parts(message).Any(p => p.ContentType.IsMimeType("multipart", "encrypted")) ? "it is multipart/encrypted"
            : Parts(message).Any(p => IsPkcs7(p) && SmimeType(p) is not "signed-data") ? "it has an S/MIME enveloped (encrypted) part" : null,
        "Ndr" => ReportType(message) == "delivery-status" ? "it is a multipart/report of type delivery-status" : null,
        "ReadReceipt" => ReportType(message) == "disposition-notification" ? "it is a multipart/report of type disposition-notification" : null,
        _ => null,
    };

    /// <summary>The importance as the sender set it: the Importance header, else X-Priority (1–2 high, 4–5 low); normal when neither says.</summary>
    public static (string Importance, string Source) Importance(MimeMessage message)
    {
        if (message.Headers[HeaderId.Importance] is { } importance && importance.Trim().ToLowerInvariant() is "high" or "normal" or "low")
            return (Capitalize(importance.Trim()), $"the Importance: header is “{importance.Trim()}”");
        if (message.Headers[HeaderId.XPriority] is { } priority && priority.Trim().Length > 0 && char.IsDigit(priority.Trim()[0]))
        {
            var level = priority.Trim()[0] - '0';
            return (level <= 2 ? "High" : level >= 4 ? "Low" : "Normal", $"the X-Priority: header is “{priority.Trim()}”");
        }
        return ("Normal", "the message sets no importance, so it is normal");
    }

    /// <summary>The charset parameters of the message's text parts (and of its top-level Content-Type).</summary>
    public static IReadOnlyList<string> Charsets(MimeMessage message) =>
        [.. Parts(message).Select(p => p.ContentType.Charset).OfType<string>().Where(c => c.Length > 0).Distinct(StringComparer.OrdinalIgnoreCase)];

    /// <summary>"UTF8", "utf-8" and "utf_8" name the same character set.</summary>
    public static string NormalizeCharset(string charset) => charset.Trim().Trim('"').Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal).ToLowerInvariant();

    private static string Capitalize(string text) => char.ToUpperInvariant(text[0]) + text[1..].ToLowerInvariant();

    private static IEnumerable<MimeEntity> Parts(MimeMessage message)
    {
        if (message.Body is null)
            yield break;
        // The top of the tree, its multiparts and leaves; not inside attached messages (their types are theirs).
        var pending = new Stack<MimeEntity>([message.Body]);
        while (pending.TryPop(out var entity))
        {
            yield return entity;
            if (entity is Multipart multipart)
                foreach (var child in multipart)
                    pending.Push(child);
        }
    }

    private static string? OutOfOffice(MimeMessage message)
    {
        if (message.Headers["X-Auto-Response-Suppress"] is not { } suppress)
            return null;
        if (message.Headers["Auto-Submitted"] is { } submitted && !submitted.Trim().Equals("no", StringComparison.OrdinalIgnoreCase))
            return $"it is Auto-Submitted (“{submitted.Trim()}”) with an X-Auto-Response-Suppress: {suppress.Trim()} header (an out-of-office reply)";
        var subject = message.Subject ?? "";
        return subject.StartsWith("Automatic reply:", StringComparison.OrdinalIgnoreCase) || subject.StartsWith("Out of Office", StringComparison.OrdinalIgnoreCase)
            ? $"its subject starts “{subject[..Math.Min(subject.Length, 16)]}” and it has an X-Auto-Response-Suppress: {suppress.Trim()} header (an out-of-office reply)"
            : null;
    }

    private static bool IsPkcs7(MimeEntity part) =>
        part.ContentType.IsMimeType("application", "pkcs7-mime") || part.ContentType.IsMimeType("application", "x-pkcs7-mime");

    private static string? SmimeType(MimeEntity part) => part.ContentType.Parameters["smime-type"]?.ToLowerInvariant();

    private static string? ReportType(MimeMessage message) =>
        message.Body?.ContentType is { } type && type.IsMimeType("multipart", "report") ? type.Parameters["report-type"]?.ToLowerInvariant() : null;

    private static string? HeaderIs(MimeMessage message, string name, string value) =>
        message.Headers[name] is { } actual && actual.Trim().StartsWith(value, StringComparison.OrdinalIgnoreCase) ? $"its {name}: header is “{actual.Trim()}”" : null;

    private static string? HeaderPresent(MimeMessage message, string name) =>
        message.Headers.Contains(name) ? $"it has an {name}: header" : null;
}
