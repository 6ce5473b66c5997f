namespace Mailflow.Admin.Web.Queue;

/// <summary>What the message details show of a queued message's content: its headers and a body preview.</summary>
/// <param name="HtmlBody">The HTML body as the sender wrote it; only ever shown escaped or inside a sandboxed iframe.</param>
public sealed record MessagePreview(IReadOnlyList<KeyValuePair<string, string>> Headers, string? TextBody, string? HtmlBody, bool Truncated)
{
    /// <summary>
    /// The iframe document for an HTML body: a Content-Security-Policy that allows no script, no
    /// remote images, fonts, frames or connections (only inline styles), so opening a message neither
    /// runs its code nor tells the sender it was read. The iframe's empty <c>sandbox</c> attribute
    /// blocks scripts and forms a second time.
    /// </summary>
    public static string SandboxedDocument(string html) =>
        "<!DOCTYPE html><html><head><meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">"
        + "<meta charset=\"utf-8\"></head><body>" + html + "</body></html>";
}
