using System.Collections.Immutable;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Categorize.TransportRules;
using Mailflow.Server.Transport.Route;

namespace Mailflow.Server.Transport.Categorize;

/// <summary>
/// The order of a stored message's decisions, written once: mail flow rules on the message, then the
/// recipients the rules leave (redirects, added recipients) resolved (aliases, groups, contacts), then
/// each final recipient's next hop (a rule's connector override first). A pure function of the
/// snapshot and the message; the categorizer applies it (hit counters, content changes, NDRs, the
/// queue rows) and "Test mail flow" explains it. End-of-DATA rules are the same rules, asked earlier by
/// the <c>TransportRules</c> agent.
/// </summary>
/// <param name="Rules">The rule evaluation; null when the message was not evaluated (no rules, or our own DSN).</param>
/// <param name="Recipients">The envelope recipients after the rules (redirected, added).</param>
/// <param name="Resolution">Null when a rule rejected or deleted the message: nothing is resolved or routed.</param>
public sealed record CategorizationPlan(
    TransportRuleEvaluation? Rules,
    RuleDecision Decision,
    ImmutableArray<EnvelopeRecipient> Recipients,
    RecipientResolution? Resolution,
    ImmutableArray<RoutedRecipient> Routes)
{
    /// <summary>A rule rejects or deletes the message: no delivery follows.</summary>
    public bool Stops => Decision.Reject is not null || Decision.DeleteSilently;

    /// <param name="message">The message for the rules; null to skip them (no rules configured, or a DSN we generated).</param>
    public static CategorizationPlan Make(
        TransportConfig snapshot, RuleMessageContext? message, IEnumerable<EnvelopeRecipient> recipients,
        TransportRuleEvaluator rules, RecipientResolver resolver, NextHopResolver router)
    {
        var evaluation = message is null ? null : rules.Evaluate(snapshot, message);
        var decision = evaluation?.Decision ?? RuleDecision.None;
        if (decision.Reject is not null || decision.DeleteSilently)
            return new CategorizationPlan(evaluation, decision, [], null, []);
        var after = decision.ApplyToRecipients(recipients);
        var resolution = resolver.Resolve(snapshot, after);
        return new CategorizationPlan(evaluation, decision, after, resolution, router.Route(snapshot, resolution, RouteOverrides.From(decision)));
    }
}
