using System.Collections.Immutable;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Categorize.TransportRules;

/// <summary>
/// The conditions about what is inside attachments (<see cref="AttachmentInspector"/> reads them), with
/// the sentence "Test mail flow" shows. Kept apart from <see cref="RulePredicateEvaluator"/> so each file keeps one job.
/// </summary>
internal static class RuleAttachmentContent
{
    public static (bool, string, string?) ContainsWords(ImmutableArray<MessageAttachment> attachments, List<string> words)
    {
        if (attachments.IsEmpty)
            return (false, "The message has no attachments.", null);
        string? problem = null;
        var unreadable = new List<string>();
        foreach (var attachment in attachments)
        {
            var inspection = attachment.Inspection;
            if (inspection.Problem is not null)
                unreadable.Add($"“{attachment.FileName}” ({inspection.Problem})");
            if (inspection.Text.Length == 0)
                continue;
            var match = RuleTextMatcher.ContainsAnyWord(inspection.Text, words);
            if (match.Matched)
                return (true, $"The attachment “{attachment.FileName}” includes the word “{match.Value}”.", null);
            problem ??= match.TimedOutPattern is { } slow ? $"Searching for “{slow}” took longer than {TransportRuleService.PatternTimeout.TotalMilliseconds:0} ms." : null;
        }
        var note = unreadable.Count == 0 ? "" : $" Could not be read: {RulePredicateEvaluator.AndList(unreadable)}.";
        return (false, $"No attachment ({RulePredicateEvaluator.AndList(attachments.Select(a => $"“{a.FileName}”"))}) includes {RulePredicateEvaluator.OrList(words.Select(w => $"“{w}”"))}.{note}", problem);
    }

    public static (bool, string, string?) PasswordProtected(ImmutableArray<MessageAttachment> attachments)
    {
        if (attachments.IsEmpty)
            return (false, "The message has no attachments.", null);
        foreach (var attachment in attachments)
            if (attachment.Inspection.PasswordProtected)
                return (true, $"The attachment “{attachment.FileName}” is password-protected: {attachment.Inspection.Problem}.", null);
        return (false, $"No attachment ({RulePredicateEvaluator.AndList(attachments.Select(a => $"“{a.FileName}”"))}) is password-protected.", null);
    }

    public static (bool, string, string?) NotInspectable(ImmutableArray<MessageAttachment> attachments)
    {
        if (attachments.IsEmpty)
            return (false, "The message has no attachments.", null);
        foreach (var attachment in attachments)
            if (attachment.Inspection.Problem is { } problem)
                return (true, $"The attachment “{attachment.FileName}” could not be inspected: {problem}.", null);
        return (false, $"Every attachment ({RulePredicateEvaluator.AndList(attachments.Select(a => $"“{a.FileName}”"))}) could be inspected.", null);
    }
}
