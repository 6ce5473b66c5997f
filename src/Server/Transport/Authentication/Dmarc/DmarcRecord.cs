using System.Globalization;

namespace Mailflow.Server.Transport.Authentication.Dmarc;

public enum DmarcPolicy
{
    None,
    Quarantine,
    Reject,
}

public enum DmarcAlignment
{
    Relaxed,
    Strict,
}

/// <summary>
/// A DMARC policy record (RFC 7489 §6.3). Tags we do not know are ignored; a tag with an invalid
/// value takes its default (§6.3 "syntax errors in the remainder of the record SHOULD be discarded in
/// favor of default values"), except p=, without which the record is usable only when it names a
/// report address (§6.6.3: then it acts as p=none).
/// </summary>
public sealed record DmarcRecord(
    DmarcPolicy Policy, DmarcPolicy? SubdomainPolicy, DmarcAlignment DkimAlignment, DmarcAlignment SpfAlignment,
    int Percent, IReadOnlyList<string> AggregateReportAddresses, IReadOnlyList<string> FailureReportAddresses, string Text)
{
    /// <summary>Whether a TXT string is a DMARC record at all: its first tag is exactly v=DMARC1 (§6.4).</summary>
    public static bool IsDmarcRecord(string text)
    {
        var semicolon = text.IndexOf(';');
        var first = (semicolon < 0 ? text : text[..semicolon]).Trim();
        var equals = first.IndexOf('=');
        return equals > 0 && first[..equals].Trim() == "v" && first[(equals + 1)..].Trim() == "DMARC1";
    }

    /// <exception cref="FormatException">The record cannot be used (an unparsable tag list, or no valid p= and no rua=).</exception>
    public static DmarcRecord Parse(string text)
    {
        var tags = TagList.Parse(text).ToDictionary(t => t.Key.ToLowerInvariant(), t => t.Value, StringComparer.Ordinal);
        var rua = Uris(tags.GetValueOrDefault("rua"));
        var ruf = Uris(tags.GetValueOrDefault("ruf"));
        var policy = ParsePolicy(tags.GetValueOrDefault("p"));
        if (policy is null)
        {
            if (rua.Count == 0)
                throw new FormatException(tags.ContainsKey("p") ? $"p={tags["p"]} is not none, quarantine or reject." : "The record has no p= tag.");
            policy = DmarcPolicy.None;
        }
        var percent = tags.TryGetValue("pct", out var pct) && int.TryParse(pct, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value <= 100 ? value : 100;
        return new DmarcRecord(
            policy.Value,
            ParsePolicy(tags.GetValueOrDefault("sp")),
            ParseAlignment(tags.GetValueOrDefault("adkim")),
            ParseAlignment(tags.GetValueOrDefault("aspf")),
            percent, rua, ruf, text);
    }

    /// <summary>The policy for mail from <paramref name="isSubdomain"/> (a subdomain of the domain that published the record): sp=, else p=.</summary>
    public DmarcPolicy PolicyFor(bool isSubdomain) => isSubdomain ? SubdomainPolicy ?? Policy : Policy;

    private static DmarcPolicy? ParsePolicy(string? text) => text?.Trim().ToLowerInvariant() switch
    {
        "none" => DmarcPolicy.None,
        "quarantine" => DmarcPolicy.Quarantine,
        "reject" => DmarcPolicy.Reject,
        _ => null,
    };

    private static DmarcAlignment ParseAlignment(string? text) => text?.Trim().ToLowerInvariant() == "s" ? DmarcAlignment.Strict : DmarcAlignment.Relaxed;

    /// <summary>The mailto: (or other) URIs of rua=/ruf=, each with its optional "!size" suffix removed.</summary>
    private static IReadOnlyList<string> Uris(string? text) => text is null
        ? []
        : text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(u => u.Contains('!') ? u[..u.IndexOf('!')] : u)
            .Where(u => Uri.TryCreate(u, UriKind.Absolute, out _))
            .ToArray();
}

public static class DmarcText
{
    public static string ToText(this DmarcPolicy policy) => policy.ToString().ToLowerInvariant();

    public static string ToText(this DmarcResult result) => result.ToString().ToLowerInvariant();
}
