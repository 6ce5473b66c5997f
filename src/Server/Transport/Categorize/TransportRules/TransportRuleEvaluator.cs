using System.Collections.Immutable;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Categorize.TransportRules;

/// <summary>
/// Evaluates the snapshot's mail flow rules against one message (Exchange transport rules, the
/// enumerated set of <see cref="RuleCatalog"/>). Pure and synchronous; the clock is injected.
///
/// Implementation summary:
/// <list type="bullet">
/// <item>Rules run in priority order (<see cref="TransportConfig.TransportRules"/>). Disabled rules, rules
/// before their activation date and rules on or after their expiry date are skipped, and say so.</item>
/// <item>A rule matches when every condition matches (no conditions = every message) and no exception
/// matches. Every condition and exception is evaluated, not short-circuited, so the "Test mail flow"
/// page can explain each one.</item>
/// <item>Conditions look at the message as received: actions of earlier rules (a prepended subject, a
/// new header) do not feed later conditions. The one exception is the spam confidence level a rule sets,
/// which later "SCL at least" conditions see.</item>
/// <item>Enforce mode: the actions go into the <see cref="RuleDecision"/>. Test mode: the match and the
/// actions it would have taken are reported; nothing changes and processing is never stopped.</item>
/// <item>"Stop processing more rules" (the rule flag or the action) stops evaluation after this rule.
/// A rejection or silent deletion also ends it: nothing later can matter for a message not delivered.</item>
/// </list>
/// </summary>
public sealed class TransportRuleEvaluator(TimeProvider timeProvider)
{
    public TransportRuleEvaluation Evaluate(TransportConfig config, RuleMessageContext context) =>
        Evaluate(config, context, timeProvider.GetUtcNow());

    public static TransportRuleEvaluation Evaluate(TransportConfig config, RuleMessageContext context, DateTimeOffset now)
    {
        var predicates = new RulePredicateEvaluator(config, context);
        var decision = new RuleDecisionBuilder();
        var results = ImmutableArray.CreateBuilder<RuleEvaluation>(config.TransportRules.Length);
        var problems = ImmutableArray.CreateBuilder<string>();
        string? stoppedBy = null;

        foreach (var rule in config.TransportRules)
        {
            if (stoppedBy is not null)
            {
                results.Add(Skipped(rule, RuleStatus.NotEvaluated, stoppedBy));
                continue;
            }
            if (!rule.Enabled)
            {
                results.Add(Skipped(rule, RuleStatus.Disabled, "Not checked: the rule is turned off."));
                continue;
            }
            if (rule.ActivationDate is { } from && now < from)
            {
                results.Add(Skipped(rule, RuleStatus.NotYetActive, $"Not checked: the rule starts on {from:u}."));
                continue;
            }
            if (rule.ExpiryDate is { } until && now >= until)
            {
                results.Add(Skipped(rule, RuleStatus.Expired, $"Not checked: the rule ended on {until:u}."));
                continue;
            }

            var scl = decision.Scl ?? context.Scl;
            var conditions = rule.Definition.Conditions.Select(p => predicates.Evaluate(p, rule.SenderAddressLocation, scl)).ToImmutableArray();
            var exceptions = rule.Definition.Exceptions.Select(p => predicates.Evaluate(p, rule.SenderAddressLocation, scl)).ToImmutableArray();
            foreach (var problem in conditions.Concat(exceptions).Select(p => p.Problem).OfType<string>())
                problems.Add($"Rule “{rule.Name}”: {problem}");

            var failed = conditions.FirstOrDefault(c => !c.Matched);
            var excepted = exceptions.FirstOrDefault(e => e.Matched);
            if (failed is not null)
            {
                results.Add(Evaluated(rule, RuleStatus.NotMatched, $"Not matched: {failed.Explanation}", conditions, exceptions, [], false));
                continue;
            }
            if (excepted is not null)
            {
                results.Add(Evaluated(rule, RuleStatus.Excepted, $"Not applied because of an exception: {excepted.Explanation}", conditions, exceptions, [], false));
                continue;
            }

            var actions = rule.Definition.Actions.Select(RuleActions.Describe).ToImmutableArray();
            var matchedWhy = conditions.IsEmpty ? "the rule applies to every message." : string.Join(" ", conditions.Select(c => c.Explanation));
            if (rule.Mode == RuleMode.Test)
            {
                var wouldStop = rule.StopProcessingRules || rule.Definition.Actions.Any(a => a.Kind == "StopProcessing");
                results.Add(Evaluated(rule, RuleStatus.Matched,
                    $"Matched in test mode, so nothing was changed: {matchedWhy} In enforce mode it would: {string.Join(" ", actions)}"
                    + (wouldStop ? " Later rules are still checked because the rule is in test mode." : ""),
                    conditions, exceptions, actions, false));
                continue;
            }

            var keepGoing = true;
            foreach (var action in rule.Definition.Actions)
                keepGoing &= RuleActions.Apply(action, rule.Name, decision, context.Message, matchedWhy);
            var stops = !keepGoing || rule.StopProcessingRules || decision.IsFinal;
            results.Add(Evaluated(rule, RuleStatus.Matched, $"Matched: {matchedWhy} {string.Join(" ", actions)}", conditions, exceptions, actions, stops));
            if (stops)
            {
                stoppedBy = decision.Reject is not null ? $"Not checked: the rule “{decision.Reject.RuleName}” rejected the message."
                    : decision.DeleteSilently ? $"Not checked: the rule “{rule.Name}” deleted the message."
                    : $"Not checked: the rule “{rule.Name}” stopped the processing of more rules.";
            }
        }
        return new TransportRuleEvaluation(results.MoveToImmutable(), decision.Build(), problems.ToImmutable());
    }

    private static RuleEvaluation Skipped(TransportRule rule, RuleStatus status, string summary) =>
        new(rule.Id, rule.Name, rule.Priority, rule.Mode, status, summary, [], [], [], false);

    private static RuleEvaluation Evaluated(TransportRule rule, RuleStatus status, string summary,
        ImmutableArray<PredicateEvaluation> conditions, ImmutableArray<PredicateEvaluation> exceptions, ImmutableArray<string> actions, bool stopped) =>
        new(rule.Id, rule.Name, rule.Priority, rule.Mode, status, summary, conditions, exceptions, actions, stopped);
}
