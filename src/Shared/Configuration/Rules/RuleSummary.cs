using System.Globalization;

namespace Mailflow.Configuration;

/// <summary>
/// A rule in plain language ("If the sender is located outside the organization and the subject includes
/// 'invoice', prepend the subject with '[EXTERNAL] '"), built from <see cref="RuleCatalog"/> labels so
/// the editor, the list and the what-if tester describe rules in the same words the catalog defines.
/// </summary>
public static class RuleSummary
{
    public static string Describe(RuleDefinition definition, Func<Guid, string?>? groupName = null)
    {
        var conditions = definition.Conditions.Select(p => DescribePredicate(p, groupName)).ToList();
        var exceptions = definition.Exceptions.Select(p => DescribePredicate(p, groupName)).ToList();
        var actions = definition.Actions.Select(DescribeAction).ToList();

        var text = conditions.Count == 0
            ? "For every message, "
            : $"If {JoinAnd(conditions)}, ";
        text += actions.Count == 0 ? "do nothing (add an action)" : JoinAnd(actions);
        if (exceptions.Count > 0)
            text += $", except if {JoinOr(exceptions)}";
        return text + ".";
    }

    public static string DescribePredicate(RulePredicate predicate, Func<Guid, string?>? groupName = null)
    {
        // A row the admin added but has not picked a condition for yet (the editor composes live).
        if (string.IsNullOrWhiteSpace(predicate.Kind))
            return "… (pick a condition)";
        var definition = RuleCatalog.FindPredicate(predicate.Kind);
        if (definition is null)
            return $"'{predicate.Kind}' (unknown condition)";
        var label = definition.Label;
        if (definition.NeedsHeaderName)
            label = label.Replace("a message header", $"the '{predicate.HeaderName}' header", StringComparison.Ordinal);
        var values = predicate.Values.Where(v => !string.IsNullOrWhiteSpace(v)).ToList();
        return definition.ValueKind switch
        {
            RuleValueKind.None => label,
            RuleValueKind.Scope => $"{label} {JoinOr(values.Select(ScopeText))}",
            RuleValueKind.Choice => values.Count == 0 ? $"{label} …" : $"{label} {JoinOr(values.Select(v => definition.ChoiceLabel(v)))}",
            RuleValueKind.SizeBytes => $"{label} {JoinOr(values.Select(SizeText))}",
            RuleValueKind.Groups => $"{label} {JoinOr(values.Select(v => Quote(Guid.TryParse(v, out var id) ? groupName?.Invoke(id) ?? v : v)))}",
            _ => values.Count == 0 ? $"{label} …" : $"{label.Replace(" any of these words", "", StringComparison.Ordinal).Replace(" any of these patterns", "", StringComparison.Ordinal)} {JoinOr(values.Select(Quote))}",
        };
    }

    public static string DescribeAction(RuleAction action)
    {
        if (string.IsNullOrWhiteSpace(action.Kind))
            return "… (pick an action)";
        var definition = RuleCatalog.FindAction(action.Kind);
        if (definition is null)
            return $"'{action.Kind}' (unknown action)";
        string Arg(string name) => action.Arguments.GetValueOrDefault(name) ?? "";
        return action.Kind switch
        {
            "Reject" => Arg("EnhancedStatusCode").Length > 0
                ? $"reject the message with '{Arg("Text")}' ({Arg("EnhancedStatusCode")})"
                : $"reject the message with '{Arg("Text")}'",
            "RedirectTo" or "AddRecipients" or "BccTo" or "GenerateIncidentReport" or "ModerateWith" => $"{definition.Label} {JoinAnd(SplitList(Arg("Addresses")).Select(Quote))}",
            "PrependSubject" or "NotifySender" or "SetScl" => $"{definition.Label} {Quote(Arg(action.Kind == "SetScl" ? "Value" : "Text"))}",
            "SetImportance" => $"{definition.Label} {Arg("Value").ToLowerInvariant()}",
            "SetClassification" => $"{definition.Label} {Quote(Arg("Value"))}",
            "NotifyRecipient" => Arg("Delivery").Equals("InsteadOfMessage", StringComparison.OrdinalIgnoreCase)
                ? $"notify the recipients with {Quote(Shorten(Arg("Text")))} instead of delivering the message"
                : $"notify the recipients with {Quote(Shorten(Arg("Text")))}",
            "SetHeader" => $"set the message header '{Arg("Name")}' to '{Arg("Value")}'",
            "RemoveHeader" => $"remove the message header '{Arg("Name")}'",
            "ApplyDisclaimer" => $"{(Arg("Position").Equals("Prepend", StringComparison.OrdinalIgnoreCase) ? "prepend" : "append")} the disclaimer '{Shorten(Arg("Text"))}'",
            "RouteThroughConnector" => $"{definition.Label} '{Arg("Connector")}'",
            _ => definition.Label,
        };
    }

    private static string ScopeText(string scope) => scope switch
    {
        "InOrganization" => "inside the organization",
        "NotInOrganization" => "outside the organization",
        _ => Quote(scope),
    };

    /// <summary>Sizes are stored in bytes; people think in KB/MB (binary units, as Exchange shows them).</summary>
    public static string SizeText(string bytesText)
    {
        if (!long.TryParse(bytesText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var bytes))
            return Quote(bytesText);
        if (bytes >= 1024 * 1024 && bytes % (1024 * 1024) == 0)
            return $"{bytes / (1024 * 1024)} MB";
        if (bytes >= 1024 && bytes % 1024 == 0)
            return $"{bytes / 1024} KB";
        return $"{bytes} bytes";
    }

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static string Quote(string value) => $"'{value}'";

    private static IEnumerable<string> SplitList(string text) =>
        text.Split([',', ';', '\n'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    private static string JoinAnd(IEnumerable<string> parts) => Join(parts, "and");

    private static string JoinOr(IEnumerable<string> parts) => Join(parts, "or");

    private static string Join(IEnumerable<string> parts, string conjunction)
    {
        var list = parts.ToList();
        return list.Count switch
        {
            0 => "",
            1 => list[0],
            _ => string.Join(", ", list.Take(list.Count - 1)) + $" {conjunction} " + list[^1],
        };
    }
}
