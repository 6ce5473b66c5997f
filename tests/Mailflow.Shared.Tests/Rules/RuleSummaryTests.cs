using Mailflow.Configuration;

namespace Mailflow.Shared.Tests.Rules;

public class RuleSummaryTests
{
    private static RulePredicate Predicate(string kind, params string[] values) => new() { Kind = kind, Values = [.. values] };

    private static RuleAction Action(string kind, params (string Name, string Value)[] arguments) =>
        new() { Kind = kind, Arguments = arguments.ToDictionary(a => a.Name, a => a.Value) };

    [Fact]
    public void Summary_ReadsAsSentence_When_ConditionsAndActionsAreSet()
    {
        var definition = new RuleDefinition
        {
            Conditions = [Predicate("SenderScope", "NotInOrganization"), Predicate("SubjectContainsWords", "invoice")],
            Actions = [Action("PrependSubject", ("Text", "[EXTERNAL] "))],
        };

        Assert.Equal(
            "If the sender is located outside the organization and the subject includes 'invoice', prepend the subject with '[EXTERNAL] '.",
            RuleSummary.Describe(definition));
    }

    [Fact]
    public void Summary_ListsAlternativesWithOr_When_PredicateHasSeveralValues()
    {
        var definition = new RuleDefinition
        {
            Conditions = [Predicate("SenderDomainIs", "a.example", "b.example", "c.example")],
            Actions = [Action("DeleteSilently")],
        };

        Assert.Equal("If the sender's domain is 'a.example', 'b.example' or 'c.example', delete the message without notifying anyone.",
            RuleSummary.Describe(definition));
    }

    [Fact]
    public void Summary_MentionsExceptions_When_ExceptionsExist()
    {
        var definition = new RuleDefinition
        {
            Conditions = [Predicate("MessageSizeOver", "10485760")],
            Exceptions = [Predicate("ReceivedAuthenticated")],
            Actions = [Action("Reject", ("Text", "Too big"), ("EnhancedStatusCode", "5.3.4"))],
        };

        Assert.Equal("If the message is larger than 10 MB, reject the message with 'Too big' (5.3.4), except if the message was received over an authenticated session.",
            RuleSummary.Describe(definition));
    }

    [Fact]
    public void Summary_SaysEveryMessage_When_ThereAreNoConditions()
    {
        var definition = new RuleDefinition { Actions = [Action("SetHeader", ("Name", "X-Org"), ("Value", "yes")), Action("StopProcessing")] };

        Assert.Equal("For every message, set the message header 'X-Org' to 'yes' and stop processing more rules.", RuleSummary.Describe(definition));
    }

    [Fact]
    public void Summary_NamesTheHeaderAndGroup_When_PredicatesNeedThem()
    {
        var groupId = Guid.NewGuid();
        var definition = new RuleDefinition
        {
            Conditions =
            [
                new RulePredicate { Kind = "HeaderContainsWords", HeaderName = "X-Priority", Values = ["1"] },
                Predicate("AnyRecipientMemberOf", groupId.ToString()),
            ],
            Actions = [Action("RouteThroughConnector", ("Connector", "Partner"))],
        };

        Assert.Equal("If the 'X-Priority' header includes '1' and a recipient is a member of 'Finance', route the message through send connector 'Partner'.",
            RuleSummary.Describe(definition, id => id == groupId ? "Finance" : null));
    }

    [Fact]
    public void Summary_AsksForAnAction_When_NoActionIsSet()
    {
        Assert.Equal("For every message, do nothing (add an action).", RuleSummary.Describe(new RuleDefinition()));
    }

    [Theory]
    [InlineData("500", "500 bytes")]
    [InlineData("2048", "2 KB")]
    [InlineData("5242880", "5 MB")]
    public void SizeText_UsesLargestWholeUnit_When_Formatting(string bytes, string expected)
    {
        Assert.Equal(expected, RuleSummary.SizeText(bytes));
    }
}
