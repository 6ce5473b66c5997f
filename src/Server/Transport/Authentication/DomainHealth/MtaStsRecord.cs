namespace Mailflow.Server.Transport.Authentication.DomainHealth;

/// <summary>
/// The <c>_mta-sts.&lt;domain&gt;</c> TXT record (RFC 8461 §3.1): <c>v=STSv1; id=…</c>. The id changes
/// whenever the domain changes its policy, which is how a sender knows to fetch it again. Read by the
/// domain health check for our own domains and by outbound delivery for recipient domains.
/// </summary>
public sealed record MtaStsRecord(string Id)
{
    public const string Prefix = "v=STSv1";

    public static string NameFor(string domain) => "_mta-sts." + domain;

    /// <summary>The STSv1 records among a name's TXT records (more than one means "no policy", RFC 8461 §3.1).</summary>
    public static string[] Candidates(IEnumerable<string> txt) => [.. txt.Where(r => r.StartsWith(Prefix, StringComparison.Ordinal))];

    /// <summary>The record, or null when it has no valid id= (1 to 32 letters and digits).</summary>
    public static MtaStsRecord? TryParse(string text)
    {
        IReadOnlyList<KeyValuePair<string, string>> tags;
        try
        {
            tags = TagList.Parse(text);
        }
        catch (FormatException)
        {
            return null;
        }
        var id = tags.FirstOrDefault(t => t.Key == "id").Value;
        return id is { Length: > 0 and <= 32 } && id.All(char.IsAsciiLetterOrDigit) ? new MtaStsRecord(id) : null;
    }
}
