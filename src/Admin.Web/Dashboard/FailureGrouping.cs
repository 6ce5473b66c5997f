using System.Text.RegularExpressions;
using Mailflow.Admin.Web.Tracking;

namespace Mailflow.Admin.Web.Dashboard;

/// <summary>
/// Groups failed and deferred deliveries the way an operator reads them: by reply code, enhanced status code
/// (RFC 3463) and next hop. The reply text is left out of the key because remote servers put the recipient
/// address in it, which would give every recipient its own line; one example text is kept per group.
/// </summary>
public static partial class FailureGrouping
{
    public sealed record Failure(int? ReplyCode, string? Reply, string? Detail, string? NextHop);

    public static IReadOnlyList<FailureReason> Top(IEnumerable<Failure> failures, int count) =>
        [.. failures
            .GroupBy(f => (f.ReplyCode, Enhanced: EnhancedCodeOf(f.Reply), NextHop: f.NextHop ?? ""))
            .Select(g => new FailureReason(g.Key.ReplyCode, g.Key.Enhanced, g.Key.NextHop.Length == 0 ? null : g.Key.NextHop,
                g.Select(f => ReplyText.Format(f.ReplyCode, f.Reply) ?? f.Detail).FirstOrDefault(t => !string.IsNullOrWhiteSpace(t)) ?? "(no reply)",
                g.Count()))
            .OrderByDescending(f => f.Count).ThenBy(f => f.ReplyCode).ThenBy(f => f.EnhancedCode, StringComparer.Ordinal)
            .ThenBy(f => f.NextHop, StringComparer.Ordinal)
            .Take(count)];

    /// <summary>"5.1.1" from "550 5.1.1 &lt;bob@…&gt; unknown" (or "550-5.1.1 …"); null when the reply carries none.</summary>
    public static string? EnhancedCodeOf(string? reply)
    {
        if (reply is null)
            return null;
        var match = EnhancedCode().Match(reply);
        return match.Success ? match.Groups[1].Value : null;
    }

    [GeneratedRegex(@"^\s*(?:\d{3}[ -])?([245]\.\d{1,3}\.\d{1,3})\b")]
    private static partial Regex EnhancedCode();
}
