using System.Globalization;
using Mailflow.Configuration;
using MimeKit;

namespace Mailflow.Server.Transport.Categorize.TransportRules;

/// <summary>
/// The actions of <see cref="RuleCatalog.Actions"/>: what each one contributes to the rules'
/// <see cref="RuleDecision"/>, and how to say it in plain language. Content changes are only
/// recorded here; <see cref="MessageContentEditor"/> applies them to the message afterwards.
/// </summary>
internal static class RuleActions
{
    public static string Describe(RuleAction action)
    {
        string Arg(string name) => Argument(action, name) ?? "";
        return action.Kind switch
        {
            "Reject" => RejectionOf(action, "") is var reject ? $"Reject the message with {reject.SmtpCode} {reject.EnhancedStatusCode} “{reject.Text}”." : "",
            "DeleteSilently" => "Delete the message without notifying anyone.",
            "RedirectTo" => $"Redirect the message to {RulePredicateEvaluator.AndList(Addresses(action))} instead of its recipients.",
            "AddRecipients" => FieldOf(action) == RecipientField.Bcc
                ? $"Send a blind copy (Bcc) to {RulePredicateEvaluator.AndList(Addresses(action))}."
                : $"Add {RulePredicateEvaluator.AndList(Addresses(action))} to the {FieldOf(action)} field.",
            "PrependSubject" => $"Put “{Arg("Text")}” in front of the subject.",
            "SetHeader" => $"Set the header {Arg("Name")}: {Arg("Value")}.",
            "RemoveHeader" => $"Remove the header {Arg("Name")}.",
            "ApplyDisclaimer" => DescribeDisclaimer(DisclaimerOf(action, "")),
            "RouteThroughConnector" => $"Route the message through the send connector “{Arg("Connector")}”.",
            "RequireTls" => "Deliver the message only over an encrypted (TLS) connection.",
            "SetRequireTls" => "Mark the message REQUIRETLS (RFC 8689): it is delivered only over verified TLS to servers that advertise REQUIRETLS, and every later hop must do the same; otherwise it is returned to the sender (5.7.30).",
            "Quarantine" => "Hold the message in quarantine until an administrator releases or deletes it.",
            "NotifySender" => $"Notify the sender: “{Arg("Text")}”.",
            "SetScl" => $"Set the spam confidence level to {Arg("Value")}.",
            "StopProcessing" => "Stop processing more rules.",
            "BccTo" => $"Send a blind copy (Bcc) to {RulePredicateEvaluator.AndList(Addresses(action))}.",
            "SetImportance" => $"Set the message importance to {ImportanceOf(action).ToLowerInvariant()}.",
            "SetClassification" => $"Set the message classification ({RuleCatalog.ClassificationHeader}) to “{Arg("Value")}”.",
            "NotifyRecipient" => IsInsteadOfMessage(action)
                ? $"Send each recipient the notice “{Arg("Text")}” instead of the message (the message is not delivered)."
                : $"Send each recipient the notice “{Arg("Text")}” as well as the message.",
            "ModerateWith" => $"Hold the message until {RulePredicateEvaluator.OrList(Addresses(action))} approves it; the moderator is sent an approval request, and a rejection or no decision within {ExpiryDaysOf(action)} day(s) returns an NDR (5.7.1) to the sender.",
            "GenerateIncidentReport" => $"Send an incident report (the original message attached, and why this rule matched) to {RulePredicateEvaluator.AndList(Addresses(action))}.",
            _ => $"“{action.Kind}” is not an action Mailflow supports; it does nothing.",
        };
    }

    /// <summary>Adds the action's effect to <paramref name="decision"/> (Enforce mode only).</summary>
    /// <returns>False when the action stops rule processing.</returns>
    public static bool Apply(RuleAction action, string ruleName, RuleDecisionBuilder decision, MimeMessage message, string matchedBecause = "")
    {
        switch (action.Kind)
        {
            case "Reject":
                decision.Reject ??= RejectionOf(action, ruleName);
                break;
            case "DeleteSilently":
                decision.DeleteSilently = true;
                break;
            case "RedirectTo":
                decision.RedirectTo.AddRange(Addresses(action));
                break;
            case "AddRecipients":
                var field = FieldOf(action);
                decision.AddedRecipients.AddRange(Addresses(action).Select(a => new AddedRecipient(a, field, ruleName)));
                break;
            case "PrependSubject":
                decision.ContentChanges.Add(new PrependSubjectChange(ruleName, Argument(action, "Text") ?? ""));
                break;
            case "SetHeader":
                decision.ContentChanges.Add(new SetHeaderChange(ruleName, Argument(action, "Name") ?? "", Argument(action, "Value") ?? ""));
                break;
            case "RemoveHeader":
                decision.ContentChanges.Add(new RemoveHeaderChange(ruleName, Argument(action, "Name") ?? ""));
                break;
            case "ApplyDisclaimer":
                var disclaimer = DisclaimerOf(action, ruleName);
                // Decided now, not when the content is edited: a rejection must reach the SMTP client before the 250.
                if (disclaimer.Fallback == DisclaimerFallback.Reject && !DisclaimerApplier.CanModify(message))
                    decision.Reject ??= DisclaimerApplier.Rejection(ruleName);
                else
                    decision.ContentChanges.Add(disclaimer);
                break;
            case "RouteThroughConnector":
                decision.RouteThroughConnector = Argument(action, "Connector");
                break;
            case "RequireTls":
                decision.RequireTls = true;
                break;
            case "SetRequireTls":
                decision.RequireTlsExtensionRule ??= ruleName;
                break;
            case "Quarantine":
                decision.QuarantineRule ??= ruleName;
                break;
            case "NotifySender":
                decision.SenderNotifications.Add(new SenderNotification(Argument(action, "Text") ?? "", ruleName));
                break;
            case "SetScl":
                if (int.TryParse(Argument(action, "Value"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var scl))
                    decision.Scl = Math.Clamp(scl, -1, 9);
                break;
            case "StopProcessing":
                return false;
            case "BccTo":
                decision.AddedRecipients.AddRange(Addresses(action).Select(a => new AddedRecipient(a, RecipientField.Bcc, ruleName)));
                break;
            case "SetImportance":
                decision.ContentChanges.Add(new SetImportanceChange(ruleName, ImportanceOf(action)));
                break;
            case "SetClassification":
                decision.ContentChanges.Add(new SetHeaderChange(ruleName, RuleCatalog.ClassificationHeader, Argument(action, "Value") ?? ""));
                break;
            case "NotifyRecipient":
                decision.RecipientNotifications.Add(new RecipientNotification(Argument(action, "Text") ?? "", IsInsteadOfMessage(action), ruleName));
                break;
            case "ModerateWith":
                decision.Moderation ??= new ModerationRequest([.. Addresses(action)], ExpiryDaysOf(action), ruleName);
                break;
            case "GenerateIncidentReport":
                decision.IncidentReports.Add(new IncidentReport([.. Addresses(action)], ruleName, matchedBecause));
                break;
        }
        return true;
    }

    private static RuleRejection RejectionOf(RuleAction action, string ruleName)
    {
        var text = Argument(action, "Text");
        var code = Argument(action, "EnhancedStatusCode");
        return new RuleRejection(
            string.IsNullOrWhiteSpace(text) ? RuleRejection.DefaultText : text.Trim(),
            string.IsNullOrWhiteSpace(code) ? RuleRejection.DefaultEnhancedStatusCode : code.Trim(),
            ruleName);
    }

    private static DisclaimerChange DisclaimerOf(RuleAction action, string ruleName) => new(
        ruleName,
        Argument(action, "Text") ?? "",
        string.IsNullOrWhiteSpace(Argument(action, "Html")) ? null : Argument(action, "Html"),
        Enum.TryParse<DisclaimerPosition>(Argument(action, "Position"), ignoreCase: true, out var position) ? position : DisclaimerPosition.Append,
        Enum.TryParse<DisclaimerFallback>(Argument(action, "Fallback"), ignoreCase: true, out var fallback) ? fallback : DisclaimerFallback.Wrap);

    private static string DescribeDisclaimer(DisclaimerChange disclaimer)
    {
        var where = disclaimer.Position == DisclaimerPosition.Append ? "Add a disclaimer at the end of the message" : "Add a disclaimer at the top of the message";
        var fallback = disclaimer.Fallback switch
        {
            DisclaimerFallback.Wrap => "wrap it as an attachment of a new message that carries the disclaimer",
            DisclaimerFallback.Ignore => "deliver it without the disclaimer",
            _ => "reject it",
        };
        return $"{where}; if the message is signed or encrypted and can't be changed, {fallback}.";
    }

    private static string ImportanceOf(RuleAction action) =>
        RuleCatalog.Importances.FirstOrDefault(i => string.Equals(i.Value, Argument(action, "Value"), StringComparison.OrdinalIgnoreCase))?.Value ?? "Normal";

    private static int ExpiryDaysOf(RuleAction action) =>
        int.TryParse(Argument(action, "ExpiryDays"), NumberStyles.Integer, CultureInfo.InvariantCulture, out var days)
            ? Math.Clamp(days, 1, RuleCatalog.MaxModerationExpiryDays) : RuleCatalog.DefaultModerationExpiryDays;

    private static bool IsInsteadOfMessage(RuleAction action) =>
        string.Equals(Argument(action, "Delivery"), "InsteadOfMessage", StringComparison.OrdinalIgnoreCase);

    private static RecipientField FieldOf(RuleAction action) =>
        Enum.TryParse<RecipientField>(Argument(action, "Field"), ignoreCase: true, out var field) ? field : RecipientField.To;

    private static List<string> Addresses(RuleAction action) =>
        [.. (Argument(action, "Addresses") ?? "").Split([',', ';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
            .Select(MailAddressParts.Normalize)];

    private static string? Argument(RuleAction action, string name)
    {
        if (action.Arguments.TryGetValue(name, out var value))
            return value;
        return action.Arguments.FirstOrDefault(a => string.Equals(a.Key, name, StringComparison.OrdinalIgnoreCase)).Value;
    }
}
