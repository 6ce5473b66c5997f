using Mailflow.Configuration;
using Mailflow.Server.Transport.Categorize.TransportRules;
using MimeKit;
using static Mailflow.MailFlow.Tests.Categorize.TransportRules.RuleTestMessages;

namespace Mailflow.MailFlow.Tests.Categorize.TransportRules;

/// <summary>Blind copy, importance, classification, recipient notices and incident reports: what each puts in the decision and the content.</summary>
public sealed class RuleNewActionTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void ActionsFillTheDecision_When_RuleMatches()
    {
        var builder = Directory();
        builder.Rule(Rule("all new", [Predicate("SubjectContainsWords", "report")], [
            Action("BccTo", ("Addresses", "audit@contoso.com")),
            Action("SetImportance", ("Value", "high")),
            Action("SetClassification", ("Value", "Confidential")),
            Action("NotifyRecipient", ("Text", "Handle with care"), ("Delivery", "InsteadOfMessage")),
            Action("GenerateIncidentReport", ("Addresses", "Compliance@contoso.com")),
        ]));

        var decision = TransportRuleEvaluator.Evaluate(builder.Build(), Context(), Now).Decision;

        var bcc = Assert.Single(decision.AddedRecipients);
        Assert.Equal(("audit@contoso.com", RecipientField.Bcc), (bcc.Address, bcc.Field));
        Assert.Contains(decision.ContentChanges, c => c is SetImportanceChange { Importance: "High" });
        Assert.Contains(decision.ContentChanges, c => c is SetHeaderChange { Name: RuleCatalog.ClassificationHeader, Value: "Confidential" });
        Assert.Equal("Handle with care", decision.ReplacedByNotice?.Text);
        var report = Assert.Single(decision.IncidentReports);
        Assert.Equal(["Compliance@contoso.com"], report.Addresses.ToArray());
        Assert.Contains("includes the word “report”", report.MatchedBecause);
        Assert.True(decision.GeneratesMessages);
        Assert.Equal(["bob@contoso.com", "carol@partner.example", "audit@contoso.com"],
            decision.ApplyToRecipients([new("bob@contoso.com"), new("carol@partner.example")]).Select(r => r.Address));
    }

    [Fact]
    public void ImportanceAndClassificationAreWritten_When_ContentIsEdited()
    {
        var builder = Directory();
        builder.Rule(Rule("mark", actions: [Action("SetImportance", ("Value", "Low")), Action("SetClassification", ("Value", "Internal only"))]));
        var context = Context();
        var decision = TransportRuleEvaluator.Evaluate(builder.Build(), context, Now).Decision;

        var edited = MessageContentEditor.Apply(context.Message, decision);

        Assert.Equal(MessageImportance.Low, edited.Message.Importance);
        Assert.Equal("5 (Lowest)", edited.Message.Headers[HeaderId.XPriority]);
        Assert.Equal("Internal only", edited.Message.Headers[RuleCatalog.ClassificationHeader]);
        Assert.Contains(edited.Applied, a => a.Contains("importance to low", StringComparison.Ordinal));
    }

    [Fact]
    public void SummaryAndValidationSpeakPlainly_When_NewActionsAreConfigured()
    {
        var rule = new TransportRule
        {
            Name = "x",
            Definition = new RuleDefinition
            {
                Conditions = [Predicate("MessageTypeIs", "AutoForward", "Encrypted"), Predicate("CharsetIs", "koi8-r")],
                Actions = [Action("BccTo", ("Addresses", "audit@contoso.com")), Action("SetImportance", ("Value", "High"))],
            },
        };
        Assert.Equal("If the message type is automatically forwarded or encrypted (S/MIME or PGP) and the message's character set is 'koi8-r', "
            + "send a blind copy (Bcc) to 'audit@contoso.com' and set the message importance to high.", RuleSummary.Describe(rule.Definition));
        Assert.Empty(TransportRuleService.ValidateFields(rule).ToDictionary());

        rule.Definition.Conditions = [Predicate("MessageTypeIs", "Fax"), Predicate("CharsetIs", "utf 8"), Predicate("SpfResultIs", "maybe")];
        rule.Definition.Actions = [Action("BccTo", ("Addresses", "not an address")), Action("SetImportance", ("Value", "urgent")),
            Action("NotifyRecipient", ("Text", "x"), ("Delivery", "Sometimes"))];
        var errors = TransportRuleService.ValidateFields(rule);
        Assert.Contains(errors.For("Conditions"), e => e.StartsWith("'Fax' is not one of AutoForward", StringComparison.Ordinal));
        Assert.Contains(errors.For("Conditions"), e => e.Contains("not a character set name", StringComparison.Ordinal));
        Assert.Contains(errors.For("Conditions"), e => e.StartsWith("'maybe' is not one of pass", StringComparison.Ordinal));
        Assert.Contains(errors.For("Actions"), e => e.Contains("High, Normal or Low", StringComparison.Ordinal));
        Assert.Contains(errors.For("Actions"), e => e.Contains("InsteadOfMessage", StringComparison.Ordinal));
        Assert.Equal(3, errors.For("Actions").Count);
    }

    [Fact]
    public void ModerationHoldsForTheFirstRuleThatAsks_AndSaysSoOnTheTestPage()
    {
        var builder = Directory();
        builder.Rule(Rule("legal", actions: [Action("ModerateWith", ("Addresses", "legal@contoso.com"), ("ExpiryDays", "3"))]));
        builder.Rule(Rule("finance", actions: [Action("ModerateWith", ("Addresses", "finance@contoso.com"))]));

        var result = TransportRuleEvaluator.Evaluate(builder.Build(), Context(), Now);

        Assert.Equal((3, "legal"), (result.Decision.Moderation!.ExpiryDays, result.Decision.Moderation.RuleName));
        Assert.Equal(["legal@contoso.com"], result.Decision.Moderation!.Moderators.ToArray());
        Assert.Contains("Hold the message until legal@contoso.com approves it", Assert.Single(result.Rules[0].Actions));
        Assert.Contains("within 2 day(s)", Assert.Single(result.Rules[1].Actions));

        var invalid = new TransportRule { Name = "x", Definition = new RuleDefinition { Actions = [Action("ModerateWith", ("Addresses", "legal@contoso.com"), ("ExpiryDays", "90"))] } };
        Assert.Equal(["The moderator has 1 to 30 days to decide."], TransportRuleService.ValidateFields(invalid).For("Actions"));
    }
}
