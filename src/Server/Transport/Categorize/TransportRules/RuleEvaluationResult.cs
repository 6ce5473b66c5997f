using System.Collections.Immutable;
using Mailflow.Configuration;

namespace Mailflow.Server.Transport.Categorize.TransportRules;

/// <summary>What happened to one rule while a message was evaluated.</summary>
public enum RuleStatus
{
    /// <summary>Every condition matched and no exception did: the actions applied (Enforce) or were recorded (Test).</summary>
    Matched,
    /// <summary>At least one condition did not match.</summary>
    NotMatched,
    /// <summary>The conditions matched, but an exception did too.</summary>
    Excepted,
    Disabled,
    /// <summary>Before the rule's activation date.</summary>
    NotYetActive,
    /// <summary>On or after the rule's expiry date.</summary>
    Expired,
    /// <summary>An earlier rule stopped rule processing, or rejected or deleted the message.</summary>
    NotEvaluated,
}

/// <summary>One condition or exception and whether it matched, with the reason in plain language.</summary>
/// <param name="Label">The catalog's label, e.g. "the subject includes any of these words".</param>
/// <param name="Explanation">E.g. "The subject “Quarterly report” includes the word “report”."</param>
/// <param name="Problem">A pattern that timed out or could not be read; the predicate counted as not matching.</param>
public sealed record PredicateEvaluation(RulePredicate Predicate, string Label, bool Matched, string Explanation, string? Problem = null);

/// <summary>The evaluation of one rule, for message tracking, hit counters and the "Test mail flow" page.</summary>
/// <param name="Actions">Plain-language descriptions of the actions that applied (Enforce) or would have applied (Test).</param>
/// <param name="Summary">One sentence: "Matched: the message was rejected." / "Not matched: the sender's domain is not contoso.com."</param>
/// <param name="StoppedProcessing">This rule stopped the evaluation of later rules.</param>
public sealed record RuleEvaluation(
    Guid RuleId,
    string RuleName,
    int Priority,
    RuleMode Mode,
    RuleStatus Status,
    string Summary,
    ImmutableArray<PredicateEvaluation> Conditions,
    ImmutableArray<PredicateEvaluation> Exceptions,
    ImmutableArray<string> Actions,
    bool StoppedProcessing)
{
    public bool Matched => Status == RuleStatus.Matched;
}

/// <summary>The outcome of evaluating every mail flow rule against one message.</summary>
/// <param name="Rules">Every rule of the snapshot, in evaluation order.</param>
/// <param name="Decision">What the Enforce-mode rules decided (Test-mode rules never change it).</param>
/// <param name="Problems">Patterns that timed out or were invalid, for the log and the admin center.</param>
public sealed record TransportRuleEvaluation(ImmutableArray<RuleEvaluation> Rules, RuleDecision Decision, ImmutableArray<string> Problems)
{
    public IEnumerable<RuleEvaluation> MatchedRules => Rules.Where(r => r.Matched);
}
