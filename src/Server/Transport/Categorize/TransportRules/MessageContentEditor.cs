using System.Collections.Immutable;
using MimeKit;

namespace Mailflow.Server.Transport.Categorize.TransportRules;

/// <param name="Message">The message to store and deliver: the one passed in (changed in place), or a new one when a disclaimer wrapped it.</param>
/// <param name="Applied">What was changed, in plain language, in order (for message tracking).</param>
/// <param name="Rejection">Set when a disclaimer's fallback refuses the message.</param>
public sealed record ContentEditResult(MimeMessage Message, ImmutableArray<string> Applied, RuleRejection? Rejection);

/// <summary>
/// Applies the content-changing actions of a <see cref="RuleDecision"/> to a message with MimeKit, in
/// rule order: subject prefix, set and remove header, disclaimer, and the To/Cc recipients rules
/// added (Bcc recipients exist only in the envelope, RFC 5322 §3.6.3). Runs after the rules were
/// evaluated and before the message is routed.
/// </summary>
public static class MessageContentEditor
{
    public static ContentEditResult Apply(MimeMessage message, RuleDecision decision)
    {
        var applied = ImmutableArray.CreateBuilder<string>();
        foreach (var change in decision.ContentChanges)
        {
            switch (change)
            {
                case PrependSubjectChange prefix:
                    if (SubjectPrefix.TryPrepend(message, prefix.Prefix))
                        applied.Add($"Rule “{change.RuleName}” put “{prefix.Prefix}” in front of the subject.");
                    break;
                case SetHeaderChange set when IsMimeStructureHeader(set.Name):
                    applied.Add($"Rule “{change.RuleName}” did not set {set.Name}: that header describes the message's structure.");
                    break;
                case SetHeaderChange set:
                    message.Headers.Replace(set.Name, set.Value);
                    applied.Add($"Rule “{change.RuleName}” set the header {set.Name}: {set.Value}.");
                    break;
                case RemoveHeaderChange remove when IsMimeStructureHeader(remove.Name):
                    applied.Add($"Rule “{change.RuleName}” did not remove {remove.Name}: that header describes the message's structure.");
                    break;
                case RemoveHeaderChange remove:
                    if (message.Headers.Contains(remove.Name))
                    {
                        message.Headers.RemoveAll(remove.Name);
                        applied.Add($"Rule “{change.RuleName}” removed the header {remove.Name}.");
                    }
                    break;
                case SetImportanceChange importance:
                    // Importance (RFC 4021 §2.1.54) for most clients, X-Priority for those that read only that.
                    message.Headers.Replace(HeaderId.Importance, importance.Importance.ToLowerInvariant());
                    message.Headers.Replace(HeaderId.XPriority, importance.Importance switch { "High" => "1 (Highest)", "Low" => "5 (Lowest)", _ => "3 (Normal)" });
                    applied.Add($"Rule “{change.RuleName}” set the importance to {importance.Importance.ToLowerInvariant()}.");
                    break;
                case DisclaimerChange disclaimer:
                    var outcome = DisclaimerApplier.Apply(message, disclaimer);
                    applied.Add($"Rule “{change.RuleName}”: {outcome.Description}");
                    if (outcome.Result == DisclaimerResult.Rejected)
                        return new ContentEditResult(message, applied.ToImmutable(), DisclaimerApplier.Rejection(change.RuleName));
                    message = outcome.Message;
                    break;
            }
        }
        foreach (var added in decision.AddedRecipients.Where(r => r.Field != RecipientField.Bcc))
        {
            var list = added.Field == RecipientField.To ? message.To : message.Cc;
            if (message.To.Mailboxes.Concat(message.Cc.Mailboxes).Any(m => string.Equals(m.Address, added.Address, StringComparison.OrdinalIgnoreCase)))
                continue;
            list.Add(MailboxAddress.Parse(added.Address));
            applied.Add($"Rule “{added.RuleName}” added {added.Address} to the {added.Field} field.");
        }
        return new ContentEditResult(message, applied.ToImmutable(), null);
    }

    /// <summary>Content-* and MIME-Version describe how the body is built (RFC 2045 §3); changing them by rule would corrupt it.</summary>
    private static bool IsMimeStructureHeader(string name) =>
        name.StartsWith("Content-", StringComparison.OrdinalIgnoreCase) || string.Equals(name, "MIME-Version", StringComparison.OrdinalIgnoreCase);
}
