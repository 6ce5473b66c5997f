using Mailflow.Configuration;
using Mailflow.Server.Transport.Categorize.TransportRules;
using static Mailflow.MailFlow.Tests.Categorize.TransportRules.RuleTestMessages;

namespace Mailflow.MailFlow.Tests.Categorize.TransportRules;

/// <summary>Every condition kind of the catalog, matching and not matching, against <see cref="RuleTestMessages.Standard"/>.</summary>
public sealed class RulePredicateTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    /// <summary>kind, values, header name, sender address location, expected match.</summary>
    public static TheoryData<string, string[], string?, SenderAddressLocation, bool> Cases => new()
    {
        { "SenderIs", ["alice@contoso.com"], null, SenderAddressLocation.Envelope, true },
        { "SenderIs", ["ALICE@Contoso.com"], null, SenderAddressLocation.Envelope, true },
        { "SenderIs", ["alice.header@fabrikam.example"], null, SenderAddressLocation.Envelope, false },
        { "SenderIs", ["alice.header@fabrikam.example"], null, SenderAddressLocation.Header, true },
        { "SenderIs", ["alice@contoso.com"], null, SenderAddressLocation.Header, false },
        { "SenderIs", ["alice.header@fabrikam.example"], null, SenderAddressLocation.HeaderOrEnvelope, true },
        { "SenderIs", ["alice@contoso.com"], null, SenderAddressLocation.HeaderOrEnvelope, true },
        { "SenderIs", ["mallory@contoso.com"], null, SenderAddressLocation.HeaderOrEnvelope, false },
        { "SenderDomainIs", ["contoso.com"], null, SenderAddressLocation.Envelope, true },
        { "SenderDomainIs", ["fabrikam.example"], null, SenderAddressLocation.Envelope, false },
        { "SenderDomainIs", ["fabrikam.example"], null, SenderAddressLocation.Header, true },
        { "SenderDomainIs", ["example"], null, SenderAddressLocation.Header, true },
        { "SenderDomainIs", ["brikam.example"], null, SenderAddressLocation.Header, false },
        { "SenderScope", ["InOrganization"], null, SenderAddressLocation.Envelope, true },
        { "SenderScope", ["NotInOrganization"], null, SenderAddressLocation.Envelope, false },
        { "SenderScope", ["NotInOrganization"], null, SenderAddressLocation.Header, true },
        { "SenderScope", ["InOrganization"], null, SenderAddressLocation.Header, false },
        { "RecipientIs", ["Carol@partner.example"], null, SenderAddressLocation.Envelope, true },
        { "RecipientIs", ["dave@contoso.com"], null, SenderAddressLocation.Envelope, false },
        { "RecipientDomainIs", ["partner.example"], null, SenderAddressLocation.Envelope, true },
        { "RecipientDomainIs", ["fabrikam.example"], null, SenderAddressLocation.Envelope, false },
        { "RecipientScope", ["InOrganization"], null, SenderAddressLocation.Envelope, true },
        { "RecipientScope", ["NotInOrganization"], null, SenderAddressLocation.Envelope, true },
        { "AnyRecipientMemberOf", [SalesGroupId.ToString()], null, SenderAddressLocation.Envelope, true },
        { "AnyRecipientMemberOf", [AllStaffGroupId.ToString()], null, SenderAddressLocation.Envelope, true },
        { "AnyRecipientMemberOf", [EmptyGroupId.ToString()], null, SenderAddressLocation.Envelope, false },
        { "AnyRecipientMemberOf", [Guid.Empty.ToString()], null, SenderAddressLocation.Envelope, false },
        { "SubjectContainsWords", ["report"], null, SenderAddressLocation.Envelope, true },
        { "SubjectContainsWords", ["QUARTERLY   report"], null, SenderAddressLocation.Envelope, true },
        { "SubjectContainsWords", ["résumé"], null, SenderAddressLocation.Envelope, true },
        { "SubjectContainsWords", ["port"], null, SenderAddressLocation.Envelope, false },
        { "SubjectContainsWords", ["bluebird"], null, SenderAddressLocation.Envelope, false },
        { "SubjectMatchesPatterns", ["^R.sum"], null, SenderAddressLocation.Envelope, true },
        { "SubjectMatchesPatterns", ["^report"], null, SenderAddressLocation.Envelope, false },
        { "SubjectOrBodyContainsWords", ["bluebird"], null, SenderAddressLocation.Envelope, true },
        { "SubjectOrBodyContainsWords", ["confidential numbers"], null, SenderAddressLocation.Envelope, true },
        { "SubjectOrBodyContainsWords", ["quarterly"], null, SenderAddressLocation.Envelope, true },
        { "SubjectOrBodyContainsWords", ["hidden"], null, SenderAddressLocation.Envelope, false },
        { "SubjectOrBodyContainsWords", ["teal"], null, SenderAddressLocation.Envelope, false },
        { "SubjectOrBodyContainsWords", ["nbsp"], null, SenderAddressLocation.Envelope, false },
        { "SubjectOrBodyContainsWords", ["bird"], null, SenderAddressLocation.Envelope, false },
        { "SubjectOrBodyMatchesPatterns", [@"codename is \w+"], null, SenderAddressLocation.Envelope, true },
        { "SubjectOrBodyMatchesPatterns", [@"\d{5}"], null, SenderAddressLocation.Envelope, false },
        { "HeaderContainsWords", ["crème"], "X-Custom", SenderAddressLocation.Envelope, true },
        { "HeaderContainsWords", ["crème"], "x-custom", SenderAddressLocation.Envelope, true },
        { "HeaderContainsWords", ["cafe"], "X-Custom", SenderAddressLocation.Envelope, false },
        { "HeaderContainsWords", ["crème"], "X-Missing", SenderAddressLocation.Envelope, false },
        { "HeaderMatchesPatterns", ["^Café"], "X-Custom", SenderAddressLocation.Envelope, true },
        { "HeaderMatchesPatterns", ["^crème"], "X-Custom", SenderAddressLocation.Envelope, false },
        { "AttachmentExtensionIs", ["xlsx"], null, SenderAddressLocation.Envelope, true },
        { "AttachmentExtensionIs", [".XLSX"], null, SenderAddressLocation.Envelope, true },
        { "AttachmentExtensionIs", ["exe", "js"], null, SenderAddressLocation.Envelope, false },
        { "AttachmentNameMatchesPatterns", ["^budget"], null, SenderAddressLocation.Envelope, true },
        { "AttachmentNameMatchesPatterns", [@"\.exe$"], null, SenderAddressLocation.Envelope, false },
        { "AttachmentSizeOver", ["1999"], null, SenderAddressLocation.Envelope, true },
        { "AttachmentSizeOver", ["2000"], null, SenderAddressLocation.Envelope, false },
        { "MessageSizeOver", ["49999"], null, SenderAddressLocation.Envelope, true },
        { "MessageSizeOver", ["50000"], null, SenderAddressLocation.Envelope, false },
        { "SenderIpInRanges", ["10.0.0.0/8", "192.0.2.0/24"], null, SenderAddressLocation.Envelope, true },
        { "SenderIpInRanges", ["192.0.2.10"], null, SenderAddressLocation.Envelope, true },
        { "SenderIpInRanges", ["10.0.0.0/8", "2001:db8::/32"], null, SenderAddressLocation.Envelope, false },
        { "ReceivedAuthenticated", [], null, SenderAddressLocation.Envelope, true },
        { "SclAtLeast", ["5"], null, SenderAddressLocation.Envelope, true },
        { "SclAtLeast", ["6"], null, SenderAddressLocation.Envelope, false },
        { "SenderAddressMatchesPatterns", ["^alice@"], null, SenderAddressLocation.Envelope, true },
        { "SenderAddressMatchesPatterns", [@"\.example$"], null, SenderAddressLocation.Header, true },
        { "SenderAddressMatchesPatterns", ["^mallory"], null, SenderAddressLocation.HeaderOrEnvelope, false },
        { "RecipientAddressMatchesPatterns", [@"@partner\.example$"], null, SenderAddressLocation.Envelope, true },
        { "RecipientAddressMatchesPatterns", ["^dave"], null, SenderAddressLocation.Envelope, false },
        { "RecipientAddressContainsWords", ["CAROL"], null, SenderAddressLocation.Envelope, true },
        { "RecipientAddressContainsWords", ["dave"], null, SenderAddressLocation.Envelope, false },
        { "SentToOrCcContains", ["Carol@partner.example"], null, SenderAddressLocation.Envelope, true },
        { "SentToOrCcContains", ["dave@contoso.com"], null, SenderAddressLocation.Envelope, false },
        { "MessageTypeIs", ["Calendaring", "Encrypted", "Signed", "Ndr", "ReadReceipt", "AutoReply", "AutoForward"], null, SenderAddressLocation.Envelope, false },
        { "ImportanceIs", ["Normal"], null, SenderAddressLocation.Envelope, true },
        { "ImportanceIs", ["High", "Low"], null, SenderAddressLocation.Envelope, false },
        { "AttachmentContainsWords", ["budget"], null, SenderAddressLocation.Envelope, false },
        { "AttachmentIsPasswordProtected", [], null, SenderAddressLocation.Envelope, false },
        { "AttachmentCannotBeInspected", [], null, SenderAddressLocation.Envelope, false },
        { "HasNoAttachment", [], null, SenderAddressLocation.Envelope, false },
        { "CharsetIs", ["UTF8"], null, SenderAddressLocation.Envelope, true },
        { "CharsetIs", ["koi8-r", "iso-2022-jp"], null, SenderAddressLocation.Envelope, false },
        { "SpfResultIs", ["pass"], null, SenderAddressLocation.Envelope, true },
        { "SpfResultIs", ["fail", "softfail"], null, SenderAddressLocation.Envelope, false },
        { "DkimResultIs", ["fail"], null, SenderAddressLocation.Envelope, true },
        { "DkimResultIs", ["pass"], null, SenderAddressLocation.Envelope, false },
        { "DmarcResultIs", ["none"], null, SenderAddressLocation.Envelope, true },
        { "DmarcResultIs", ["pass"], null, SenderAddressLocation.Envelope, false },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void ConditionMatchesAsExpected_When_EvaluatedAgainstStandardMessage(string kind, string[] values, string? header, SenderAddressLocation location, bool expected)
    {
        var builder = Directory();
        var rule = builder.Rule(Rule("rule", [new RulePredicate { Kind = kind, Values = [.. values], HeaderName = header }]));
        rule.SenderAddressLocation = location;

        var result = TransportRuleEvaluator.Evaluate(builder.Build(), Context(), Now);

        var evaluation = Assert.Single(result.Rules);
        var condition = Assert.Single(evaluation.Conditions);
        Assert.True(expected == condition.Matched, $"{kind} [{string.Join(", ", values)}]: {condition.Explanation}");
        Assert.Equal(expected ? RuleStatus.Matched : RuleStatus.NotMatched, evaluation.Status);
        Assert.Equal(RuleCatalog.FindPredicate(kind)!.Label, condition.Label);
        Assert.False(string.IsNullOrWhiteSpace(condition.Explanation));
        Assert.Null(condition.Problem);
        Assert.Contains(condition.Explanation, evaluation.Summary);
    }

    [Fact]
    public void EveryCatalogPredicateKind_IsCoveredBothWays_When_TableIsComplete()
    {
        var covered = Cases.Select(row => ((string)row[0], (bool)row[4]))
            .Concat(ContextCases.Select(row => ((string)row[0], (bool)row[3])))
            .Concat(RuleContentPredicateTests.Cases.Select(row => ((string)row[0], (bool)row[3]))).ToHashSet();
        foreach (var definition in RuleCatalog.Predicates)
        {
            Assert.Contains((definition.Kind, true), covered);
            if (definition.Kind is not "ReceivedAuthenticated" and not "RecipientScope")
                Assert.Contains((definition.Kind, false), covered);
        }
    }

    public static TheoryData<string, string[], Func<RuleMessageContext>, bool> ContextCases => new()
    {
        { "ReceivedAuthenticated", [], () => Context(authenticated: false), false },
        { "RecipientScope", ["NotInOrganization"], () => Context(recipients: ["bob@contoso.com"]), false },
        { "RecipientScope", ["InOrganization"], () => Context(recipients: ["carol@partner.example"]), false },
        { "RecipientIs", ["bob@contoso.com"], () => Context(recipients: []), false },
        { "SenderScope", ["NotInOrganization"], () => Context(sender: ""), true },
        { "SenderIs", ["alice@contoso.com"], () => Context(sender: ""), false },
        { "SclAtLeast", ["0"], () => Context(scl: null), false },
        { "SenderIpInRanges", ["192.0.2.0/24"], () => Context(clientAddress: "::ffff:192.0.2.10"), true },
        { "AttachmentExtensionIs", ["txt"], () => Context(raw: "Subject: plain\r\n\r\nno attachments\r\n"), false },
        { "SubjectOrBodyContainsWords", ["plain"], () => Context(raw: "Subject: x\r\n\r\nJust plain words.\r\n"), true },
        { "AttachmentNameMatchesPatterns", ["^old"], () => Context(raw: NameOnlyAttachment), true },
    };

    private const string NameOnlyAttachment =
        "Subject: legacy attachment\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n" +
        "--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n" +
        "--b\r\nContent-Type: application/octet-stream; name=\"old-client.bin\"\r\n\r\nxyz\r\n--b--\r\n";

    [Theory]
    [MemberData(nameof(ContextCases))]
    public void ConditionMatchesAsExpected_When_MessageDiffers(string kind, string[] values, Func<RuleMessageContext> context, bool expected)
    {
        var builder = Directory();
        builder.Rule(Rule("rule", [Predicate(kind, values)]));
        var condition = Assert.Single(Assert.Single(TransportRuleEvaluator.Evaluate(builder.Build(), context(), Now).Rules).Conditions);
        Assert.True(expected == condition.Matched, condition.Explanation);
    }

    [Fact]
    public void ExplanationsArePlainLanguage_When_ConditionsAreShownOnTheTestPage()
    {
        var builder = Directory();
        builder.Rule(Rule("explain", [
            Predicate("SubjectContainsWords", "report"),
            Predicate("SenderDomainIs", "fabrikam.example"),
            Predicate("AttachmentSizeOver", "1000"),
            Predicate("AnyRecipientMemberOf", AllStaffGroupId.ToString()),
        ]));
        var conditions = Assert.Single(TransportRuleEvaluator.Evaluate(builder.Build(), Context(), Now).Rules).Conditions;

        Assert.Equal("The subject “Résumé of the quarterly report” includes the word “report”.", conditions[0].Explanation);
        Assert.Equal("The envelope sender (MAIL FROM) alice@contoso.com is not in fabrikam.example (or a subdomain).", conditions[1].Explanation);
        Assert.Equal("The attachment “Budget.XLSX” is 2 KB, larger than 1000 bytes.", conditions[2].Explanation);
        Assert.Equal("The recipient bob@contoso.com is a member of the group all@contoso.com.", conditions[3].Explanation);
    }

    [Fact]
    public void PatternThatTimesOutCountsAsNoMatchAndIsReported_When_ItBacktracksCatastrophically()
    {
        var builder = Directory();
        builder.Rule(Rule("evil pattern", [Predicate("SubjectMatchesPatterns", "^(a+)+$")]));
        var context = Context(raw: $"Subject: {new string('a', 40)}!\r\n\r\nbody\r\n");

        var result = TransportRuleEvaluator.Evaluate(builder.Build(), context, Now);

        var condition = Assert.Single(Assert.Single(result.Rules).Conditions);
        Assert.False(condition.Matched);
        Assert.NotNull(condition.Problem);
        Assert.Contains("took too long", condition.Explanation);
        Assert.Contains("evil pattern", Assert.Single(result.Problems));
        Assert.Empty(result.Decision.ContentChanges);
    }

    [Fact]
    public void LaterPatternStillMatches_When_AnEarlierPatternTimesOut()
    {
        var builder = Directory();
        builder.Rule(Rule("mixed", [Predicate("SubjectMatchesPatterns", "^(a+)+$", "aaa")]));
        var condition = Assert.Single(Assert.Single(TransportRuleEvaluator.Evaluate(builder.Build(), Context(raw: $"Subject: {new string('a', 40)}!\r\n\r\nx\r\n"), Now).Rules).Conditions);
        Assert.True(condition.Matched);
    }

    [Fact]
    public void UnknownConditionKindNeverMatches_When_ConfigurationHoldsIt()
    {
        var builder = Directory();
        builder.Rule(Rule("future", [Predicate("MoonPhaseIs", "full")]));
        var condition = Assert.Single(Assert.Single(TransportRuleEvaluator.Evaluate(builder.Build(), Context(), Now).Rules).Conditions);
        Assert.False(condition.Matched);
        Assert.Contains("not a condition Mailflow supports", condition.Explanation);
    }
}
