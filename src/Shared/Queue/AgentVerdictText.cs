namespace Mailflow.Queue;

/// <summary>
/// A message's agent tags as an admin reads them: one line per check, named and explained
/// ("SPF: pass (domain example.com)", "DMARC: fail (From domain example.com; the policy asks to reject)"),
/// in a fixed order. Tags no line knows are shown as "name: value" after the known ones.
/// </summary>
public static class AgentVerdictText
{
    public static IReadOnlyList<string> Describe(IReadOnlyDictionary<string, string> tags)
    {
        // The trace context is for tracing tools, not a verdict.
        var used = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { MessageTagNames.TraceParent };
        string? Tag(string name)
        {
            if (!tags.TryGetValue(name, out var value) || string.IsNullOrWhiteSpace(value))
                return null;
            used.Add(name);
            return value.Trim();
        }
        static string Details(params string?[] parts) =>
            parts.Where(p => p is not null).ToList() is { Count: > 0 } present ? $" ({string.Join("; ", present)})" : "";

        var lines = new List<string>();
        if (Tag(MessageTagNames.SpfResult) is { } spf)
            lines.Add($"SPF: {spf}{Details(Tag(MessageTagNames.SpfDomain) is { } d ? $"domain {d}" : null)}");
        if (Tag(MessageTagNames.DkimResult) is { } dkim)
            lines.Add($"DKIM: {dkim}{Details(Tag(MessageTagNames.DkimPassDomains) is { } d ? $"signed by {d.Replace(",", ", ", StringComparison.Ordinal)}" : null)}");
        if (Tag(MessageTagNames.DmarcResult) is { } dmarc)
            lines.Add($"DMARC: {dmarc}{Details(
                Tag(MessageTagNames.DmarcFromDomain) is { } d ? $"From domain {d}" : null,
                Tag(MessageTagNames.DmarcDisposition) is { } p ? $"the policy asks to {(p == "none" ? "do nothing" : p)}" : null)}");
        if (Tag(MessageTagNames.ArcResult) is { } arc)
            lines.Add($"ARC: {arc}");
        if (Tag(MessageTagNames.ArcSealReason) is { } seal)
            lines.Add($"ARC seal added on delivery: {seal}");
        if (Tag(MessageTagNames.ForgedResults) is { } forged)
            lines.Add($"Forged Authentication-Results headers removed: {forged}");
        var spamResult = Tag(MessageTagNames.SpamResult);
        var score = Tag(MessageTagNames.SpamScore);
        var scl = Tag(MessageTagNames.SpamConfidenceLevel);
        var action = Tag(MessageTagNames.SpamAction);
        if (spamResult is not null || score is not null || scl is not null)
            lines.Add($"Anti-spam: {spamResult ?? "scanned"}{Details(
                score is null ? null : $"score {score}",
                scl is null || scl == "-1" ? null : $"SCL {scl}",
                action is null ? null : $"action {action}")}");
        if (Tag(MessageTagNames.SpamSymbols) is { } symbols)
            lines.Add($"Anti-spam rules matched: {symbols.Replace(",", ", ", StringComparison.Ordinal)}");
        if (Tag(MessageTagNames.MalwareResult) is { } malware)
            lines.Add($"Anti-malware: {malware}");
        if (Tag(MessageTagNames.DnsBlockListed) is { } listed)
            lines.Add($"Block lists: listed on {listed.Replace(",", ", ", StringComparison.Ordinal)}");
        if (Tag(MessageTagNames.SpoofingSuspect) is { } spoofing)
            lines.Add(spoofing == "true" ? "Sender filter: looks like a forgery of one of our domains" : $"Sender filter: {spoofing}");
        if (Tag(MessageTagNames.QuarantineReason) is { } quarantine)
            lines.Add($"Quarantine requested: {quarantine}");
        lines.AddRange(tags.Where(t => !used.Contains(t.Key)).OrderBy(t => t.Key, StringComparer.Ordinal).Select(t => $"{t.Key}: {t.Value}"));
        return lines;
    }
}
