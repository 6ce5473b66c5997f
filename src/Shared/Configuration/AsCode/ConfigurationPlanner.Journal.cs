namespace Mailflow.Configuration;

/// <summary>The journal rules section of a configuration document: rules keyed by name.</summary>
internal sealed partial class ConfigurationPlanner
{
    private void PlanJournalRules(List<JournalRuleSpec>? specs, List<JournalRule> current) =>
        PlanSection(
            ConfigurationFileSections.JournalRules, nameof(JournalRule.Name), specs, current,
            keyOf: s => s.Name.Trim(),
            entityKey: r => r.Name,
            toEntity: (spec, _, _) =>
            {
                var rule = SpecJson.Copy<JournalRule>(spec);
                rule.Name = rule.Name.Trim();
                rule.JournalAddress = NormalizeAddress(rule.JournalAddress);
                rule.Recipient = string.IsNullOrWhiteSpace(rule.Recipient) ? null : NormalizeAddress(rule.Recipient);
                rule.AlternateJournalAddress = string.IsNullOrWhiteSpace(rule.AlternateJournalAddress) ? null : NormalizeAddress(rule.AlternateJournalAddress);
                return rule;
            },
            toSpec: SpecJson.Copy<JournalRuleSpec>,
            validateFields: JournalRuleService.ValidateFields);
}
