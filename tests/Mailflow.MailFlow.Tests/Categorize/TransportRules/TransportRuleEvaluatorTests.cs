using Mailflow.Configuration;
using Mailflow.Server.Transport.Categorize.TransportRules;
using Microsoft.Extensions.Time.Testing;
using static Mailflow.MailFlow.Tests.Categorize.TransportRules.RuleTestMessages;

namespace Mailflow.MailFlow.Tests.Categorize.TransportRules;

public sealed class TransportRuleEvaluatorTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);
    private readonly TestConfigBuilder builder = Directory();

    private TransportRuleEvaluation Evaluate(RuleMessageContext? context = null) =>
        new TransportRuleEvaluator(new FakeTimeProvider(Now)).Evaluate(builder.Build(), context ?? Context());

    private static readonly RulePredicate Matching = Predicate("SubjectContainsWords", "report");
    private static readonly RulePredicate NotMatching = Predicate("SubjectContainsWords", "invoice");

    [Fact]
    public void RuleAppliesToEveryMessage_When_ItHasNoConditions()
    {
        builder.Rule(Rule("all messages"));
        var rule = Assert.Single(Evaluate().Rules);
        Assert.Equal(RuleStatus.Matched, rule.Status);
        Assert.Contains("applies to every message", rule.Summary);
    }

    [Fact]
    public void RuleMatchesOnlyIfEveryConditionMatches_When_OneConditionFails()
    {
        builder.Rule(Rule("two conditions", [Matching, Predicate("SenderDomainIs", "fabrikam.example")]));
        var result = Evaluate();
        var rule = Assert.Single(result.Rules);
        Assert.Equal(RuleStatus.NotMatched, rule.Status);
        Assert.Equal([true, false], rule.Conditions.Select(c => c.Matched));
        Assert.StartsWith("Not matched: The envelope sender", rule.Summary);
        Assert.Empty(result.Decision.ContentChanges);
    }

    [Fact]
    public void RuleIsNotApplied_When_AnExceptionMatches()
    {
        builder.Rule(Rule("with exception", [Matching], exceptions: [NotMatching, Predicate("SenderIs", "alice@contoso.com")]));
        var result = Evaluate();
        var rule = Assert.Single(result.Rules);
        Assert.Equal(RuleStatus.Excepted, rule.Status);
        Assert.Equal([false, true], rule.Exceptions.Select(e => e.Matched));
        Assert.Contains("exception", rule.Summary);
        Assert.Empty(result.Decision.ContentChanges);
    }

    [Fact]
    public void RuleIsApplied_When_NoExceptionMatches()
    {
        builder.Rule(Rule("exception not hit", [Matching], exceptions: [NotMatching]));
        Assert.Equal(RuleStatus.Matched, Assert.Single(Evaluate().Rules).Status);
    }

    public static TheoryData<int?, int?, RuleStatus> DateWindowCases => new()
    {
        { null, null, RuleStatus.Matched },
        { -1, null, RuleStatus.Matched },
        { 0, null, RuleStatus.Matched },
        { 1, null, RuleStatus.NotYetActive },
        { null, 1, RuleStatus.Matched },
        { null, 0, RuleStatus.Expired },
        { -2, -1, RuleStatus.Expired },
        { -1, 1, RuleStatus.Matched },
    };

    [Theory]
    [MemberData(nameof(DateWindowCases))]
    public void RuleRunsOnlyInsideItsDateWindow_When_EvaluatedAtInjectedTime(int? activationDays, int? expiryDays, RuleStatus expected)
    {
        var rule = builder.Rule(Rule("window", [Matching]));
        rule.ActivationDate = activationDays is { } a ? Now.AddDays(a) : null;
        rule.ExpiryDate = expiryDays is { } e ? Now.AddDays(e) : null;

        var result = Evaluate();

        Assert.Equal(expected, Assert.Single(result.Rules).Status);
        Assert.Equal(expected == RuleStatus.Matched ? 1 : 0, result.Decision.ContentChanges.Length);
    }

    [Fact]
    public void DisabledRuleIsSkippedAndSaysSo_When_Evaluated()
    {
        builder.Rule(Rule("off", [Matching])).Enabled = false;
        var result = Evaluate();
        var rule = Assert.Single(result.Rules);
        Assert.Equal(RuleStatus.Disabled, rule.Status);
        Assert.Contains("turned off", rule.Summary);
        Assert.Empty(rule.Conditions);
        Assert.Empty(result.Decision.ContentChanges);
    }

    [Fact]
    public void TestModeRecordsTheMatchAndChangesNothing_When_RuleMatches()
    {
        var rule = builder.Rule(Rule("trial", [Matching], [
            Action("Reject", ("Text", "no")),
            Action("PrependSubject", ("Text", "[X] ")),
            Action("RedirectTo", ("Addresses", "audit@contoso.com")),
            Action("StopProcessing"),
        ]));
        rule.Mode = RuleMode.Test;
        builder.Rule(Rule("after trial", [Matching]));

        var result = Evaluate();

        var trial = result.Rules[0];
        Assert.Equal(RuleStatus.Matched, trial.Status);
        Assert.Equal(RuleMode.Test, trial.Mode);
        Assert.Equal(4, trial.Actions.Length);
        Assert.Contains("test mode, so nothing was changed", trial.Summary);
        Assert.Contains("Reject the message with 550 5.7.1 “no”", trial.Summary);
        Assert.False(trial.StoppedProcessing);
        Assert.Null(result.Decision.Reject);
        Assert.Empty(result.Decision.RedirectTo);
        // The test-mode rule's stop did not stop the next rule, which is enforced.
        Assert.Equal(RuleStatus.Matched, result.Rules[1].Status);
        Assert.Equal("after trial", Assert.Single(result.Decision.ContentChanges).RuleName);
    }

    [Fact]
    public void LaterRulesAreNotEvaluated_When_RuleHasStopProcessingFlag()
    {
        builder.Rule(Rule("first", [Matching])).StopProcessingRules = true;
        builder.Rule(Rule("second", [Matching]));

        var result = Evaluate();

        Assert.True(result.Rules[0].StoppedProcessing);
        Assert.Equal(RuleStatus.NotEvaluated, result.Rules[1].Status);
        Assert.Contains("“first” stopped the processing", result.Rules[1].Summary);
        Assert.Equal(["first"], result.Decision.ContentChanges.Select(c => c.RuleName));
    }

    [Fact]
    public void LaterRulesAreNotEvaluated_When_RuleHasStopProcessingAction()
    {
        builder.Rule(Rule("first", [Matching], [Action("PrependSubject", ("Text", "[1] ")), Action("StopProcessing")]));
        builder.Rule(Rule("second", [Matching]));
        var result = Evaluate();
        Assert.Equal(RuleStatus.NotEvaluated, result.Rules[1].Status);
        Assert.Single(result.Decision.ContentChanges);
    }

    [Fact]
    public void StopProcessingDoesNothing_When_TheRuleDoesNotMatch()
    {
        builder.Rule(Rule("first", [NotMatching])).StopProcessingRules = true;
        builder.Rule(Rule("second", [Matching]));
        Assert.Equal(RuleStatus.Matched, Evaluate().Rules[1].Status);
    }

    [Fact]
    public void RulesRunInPriorityOrder_When_SeveralMatch()
    {
        var config = new TestConfigBuilder().Domain("contoso.com");
        var last = config.Rule(Rule("b-last", actions: [Action("PrependSubject", ("Text", "[B] "))]));
        var first = config.Rule(Rule("a-first", actions: [Action("PrependSubject", ("Text", "[A] "))]));
        last.Priority = 1;
        first.Priority = 0;

        var result = TransportRuleEvaluator.Evaluate(config.Build(), Context(), Now);

        Assert.Equal(["a-first", "b-last"], result.Rules.Select(r => r.RuleName));
        Assert.Equal(["a-first", "b-last"], result.Decision.ContentChanges.Select(c => c.RuleName));
    }

    [Fact]
    public void RejectionUsesDefault571AndStopsEvaluation_When_RuleRejectsWithoutCode()
    {
        builder.Rule(Rule("block", [Matching], [Action("Reject", ("Text", "Reports are not accepted here."))]));
        builder.Rule(Rule("later"));

        var result = Evaluate();

        var reject = result.Decision.Reject!;
        Assert.Equal(550, reject.SmtpCode);
        Assert.Equal("5.7.1", reject.EnhancedStatusCode);
        Assert.Equal("Reports are not accepted here.", reject.Text);
        Assert.Equal("block", reject.RuleName);
        Assert.Equal(RuleStatus.NotEvaluated, result.Rules[1].Status);
        Assert.Contains("rejected the message", result.Rules[1].Summary);
    }

    [Fact]
    public void RejectionKeepsTheRulesEnhancedCode_When_OneIsGiven()
    {
        builder.Rule(Rule("block", [Matching], [Action("Reject", ("Text", "Too big for us."), ("EnhancedStatusCode", "5.3.4"))]));
        Assert.Equal("5.3.4", Evaluate().Decision.Reject!.EnhancedStatusCode);
    }

    [Fact]
    public void SilentDeletionStopsEvaluation_When_RuleDeletes()
    {
        builder.Rule(Rule("drop", [Matching], [Action("DeleteSilently")]));
        builder.Rule(Rule("later"));
        var result = Evaluate();
        Assert.True(result.Decision.DeleteSilently);
        Assert.Equal(RuleStatus.NotEvaluated, result.Rules[1].Status);
    }

    [Fact]
    public void DecisionCarriesEveryDeliveryAction_When_RulesMatch()
    {
        builder.Rule(Rule("delivery", [Matching], [
            Action("Quarantine"),
            Action("RedirectTo", ("Addresses", "audit@contoso.com; legal@Contoso.COM")),
            Action("AddRecipients", ("Addresses", "boss@contoso.com"), ("Field", "Cc")),
            Action("AddRecipients", ("Addresses", "archive@contoso.com"), ("Field", "Bcc")),
            Action("AddRecipients", ("Addresses", "team@contoso.com")),
            Action("RouteThroughConnector", ("Connector", "Encryption gateway")),
            Action("RequireTls"),
            Action("SetRequireTls"),
            Action("NotifySender", ("Text", "Your report was forwarded to audit.")),
            Action("SetScl", ("Value", "7")),
        ]));

        var decision = Evaluate().Decision;

        Assert.True(decision.Quarantine);
        Assert.Equal("delivery", decision.QuarantineRule);
        Assert.Equal(["audit@contoso.com", "legal@contoso.com"], decision.RedirectTo.ToArray());
        Assert.Equal([("boss@contoso.com", RecipientField.Cc), ("archive@contoso.com", RecipientField.Bcc), ("team@contoso.com", RecipientField.To)],
            decision.AddedRecipients.Select(r => (r.Address, r.Field)));
        Assert.Equal("Encryption gateway", decision.RouteThroughConnector);
        Assert.True(decision.RequireTls);
        Assert.Equal("delivery", decision.RequireTlsExtensionRule);
        Assert.Equal("Your report was forwarded to audit.", Assert.Single(decision.SenderNotifications).Text);
        Assert.Equal(7, decision.Scl);
        Assert.Null(decision.Reject);
        Assert.False(decision.DeleteSilently);
        Assert.True(decision.ChangesContent); // To/Cc recipients go into the headers
    }

    [Fact]
    public void DecisionCarriesContentChangesInOrder_When_RulesMatch()
    {
        builder.Rule(Rule("content", [Matching], [
            Action("PrependSubject", ("Text", "[EXTERNAL] ")),
            Action("SetHeader", ("Name", "X-Classified"), ("Value", "yes")),
            Action("RemoveHeader", ("Name", "X-Custom")),
            Action("ApplyDisclaimer", ("Text", "Confidential."), ("Position", "Prepend"), ("Fallback", "Ignore")),
        ]));

        var changes = Evaluate().Decision.ContentChanges;

        Assert.Equal(new PrependSubjectChange("content", "[EXTERNAL] "), changes[0]);
        Assert.Equal(new SetHeaderChange("content", "X-Classified", "yes"), changes[1]);
        Assert.Equal(new RemoveHeaderChange("content", "X-Custom"), changes[2]);
        Assert.Equal(new DisclaimerChange("content", "Confidential.", null, DisclaimerPosition.Prepend, DisclaimerFallback.Ignore), changes[3]);
    }

    [Fact]
    public void LaterRuleSeesTheSclAnEarlierRuleSet_When_ConditionIsSclAtLeast()
    {
        builder.Rule(Rule("raise", actions: [Action("SetScl", ("Value", "9"))]));
        builder.Rule(Rule("junk", [Predicate("SclAtLeast", "8")], [Action("Quarantine")]));
        var result = Evaluate(Context(scl: 1));
        Assert.Equal(RuleStatus.Matched, result.Rules[1].Status);
        Assert.Equal("junk", result.Decision.QuarantineRule);
    }

    [Fact]
    public void DisclaimerWithRejectFallbackRejects_When_MessageIsSigned()
    {
        builder.Rule(Rule("disclaimer", actions: [Action("ApplyDisclaimer", ("Text", "Legal text"), ("Fallback", "Reject"))]));
        var result = Evaluate(Context(raw: ContentTestMessages.Signed));
        Assert.Equal("5.7.1", result.Decision.Reject!.EnhancedStatusCode);
        Assert.Contains("signed or encrypted", result.Decision.Reject.Text);
        Assert.Empty(result.Decision.ContentChanges);
    }

    [Fact]
    public void DisclaimerWithRejectFallbackIsAContentChange_When_MessageCanBeModified()
    {
        builder.Rule(Rule("disclaimer", actions: [Action("ApplyDisclaimer", ("Text", "Legal text"), ("Fallback", "Reject"))]));
        var result = Evaluate();
        Assert.Null(result.Decision.Reject);
        Assert.IsType<DisclaimerChange>(Assert.Single(result.Decision.ContentChanges));
    }

    [Fact]
    public void EveryRuleIsListed_When_SomeAreSkipped()
    {
        builder.Rule(Rule("one", [Matching]));
        builder.Rule(Rule("two", [NotMatching]));
        builder.Rule(Rule("three")).Enabled = false;
        var result = Evaluate();
        Assert.Equal([RuleStatus.Matched, RuleStatus.NotMatched, RuleStatus.Disabled], result.Rules.Select(r => r.Status));
        Assert.Equal(["one"], result.MatchedRules.Select(r => r.RuleName));
    }

    [Fact]
    public void EveryCatalogActionHasAPlainLanguageDescription_When_Described()
    {
        foreach (var definition in RuleCatalog.Actions)
        {
            var config = new TestConfigBuilder().Domain("contoso.com");
            var arguments = definition.RequiredArguments.Select(a => (a, a == "Addresses" ? "x@contoso.com" : a == "Value" ? "5" : "value")).ToArray();
            var rule = config.Rule(Rule(definition.Kind, actions: [Action(definition.Kind, arguments)]));
            rule.Mode = RuleMode.Test;
            var described = Assert.Single(Assert.Single(TransportRuleEvaluator.Evaluate(config.Build(), Context(), Now).Rules).Actions);
            Assert.DoesNotContain("not an action", described);
            Assert.EndsWith(".", described);
        }
    }
}
