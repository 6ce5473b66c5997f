using System.Text.RegularExpressions;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Categorize.TransportRules;

/// <summary>The outcome of matching text: the word or pattern that matched, or that a pattern ran out of time.</summary>
internal readonly record struct TextMatch(bool Matched, string? Value, string? TimedOutPattern, string? InvalidPattern);

/// <summary>
/// Word and pattern matching on decoded text. Words match case-insensitively as whole words (a word
/// is not matched inside a longer word: "port" does not match "report"); a phrase matches with any
/// whitespace between its words. Patterns are .NET regular expressions, case-insensitive, bounded by
/// <see cref="TransportRuleService.PatternTimeout"/> because they run on untrusted mail: a pattern
/// that times out counts as no match and is reported.
/// </summary>
internal static class RuleTextMatcher
{
    private const RegexOptions Options = RegexOptions.IgnoreCase | RegexOptions.CultureInvariant;

    public static TextMatch ContainsAnyWord(string text, IEnumerable<string> words)
    {
        TextMatch problem = default;
        foreach (var word in words.Select(w => w.Trim()).Where(w => w.Length > 0))
        {
            // Unicode letters, digits and '_' are word characters; anything else (or the text's edge) bounds a word.
            var phrase = string.Join(@"\s+", word.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries).Select(Regex.Escape));
            var pattern = $@"(?<![\p{{L}}\p{{N}}_]){phrase}(?![\p{{L}}\p{{N}}_])";
            var match = Match(text, pattern);
            if (match.Matched)
                return match with { Value = word };
            if (match.TimedOutPattern is not null && problem.TimedOutPattern is null)
                problem = match with { TimedOutPattern = word };
        }
        return problem;
    }

    public static TextMatch MatchesAnyPattern(string text, IEnumerable<string> patterns)
    {
        TextMatch problem = default;
        foreach (var pattern in patterns.Where(p => p.Length > 0))
        {
            var match = Match(text, pattern);
            if (match.Matched)
                return match;
            if (problem.TimedOutPattern is null && problem.InvalidPattern is null)
                problem = match;
        }
        return problem;
    }

    private static TextMatch Match(string text, string pattern)
    {
        try
        {
            return Regex.IsMatch(text, pattern, Options, TransportRuleService.PatternTimeout)
                ? new TextMatch(true, pattern, null, null)
                : default;
        }
        catch (RegexMatchTimeoutException)
        {
            return new TextMatch(false, null, pattern, null);
        }
        catch (ArgumentException)
        {
            // Validation refuses invalid patterns; one can still arrive from an older configuration.
            return new TextMatch(false, null, null, pattern);
        }
    }
}
