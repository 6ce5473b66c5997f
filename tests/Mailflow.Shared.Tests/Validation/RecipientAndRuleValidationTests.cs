using Mailflow.Configuration;

namespace Mailflow.Shared.Tests.Validation;

public sealed class RecipientAndRuleValidationTests
{
    [Theory]
    [InlineData("bob@contoso.com", "bob@contoso.com")]
    [InlineData(" Bob.Smith@Contoso.COM ", "Bob.Smith@contoso.com")]
    [InlineData("jürgen@bücher.example", "jürgen@xn--bcher-kva.example")]
    public void MailAddress_NormalizesDomainAndKeepsLocalPart(string input, string expected)
    {
        Assert.True(MailAddressRules.TryNormalize(input, out var normalized, out _));
        Assert.Equal(expected, normalized);
    }

    [Theory]
    [InlineData("bob")]
    [InlineData("@contoso.com")]
    [InlineData("bob@")]
    [InlineData("bob..smith@contoso.com")]
    [InlineData("bob smith@contoso.com")]
    [InlineData("bob@contoso")]
    public void MailAddress_IsRefused_When_NotAnAddress(string input) =>
        Assert.False(MailAddressRules.TryNormalize(input, out _, out _));

    [Fact]
    public void Mailbox_RequiresLmtpHostAndPort()
    {
        var mailbox = new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "bob@contoso.com", DeliveryKind = MailboxDeliveryKind.Lmtp, DeliveryTarget = "mailstore" };
        Assert.Contains(RecipientService.ValidateFields(mailbox).For(nameof(Recipient.DeliveryTarget)), m => m.Contains("host:port"));
        mailbox.DeliveryTarget = "mailstore.contoso.com:24";
        Assert.True(RecipientService.ValidateFields(mailbox).IsEmpty);
        mailbox.DeliveryTarget = "unix:/run/dovecot/lmtp";
        Assert.True(RecipientService.ValidateFields(mailbox).IsEmpty);
    }

    [Fact]
    public void Mailbox_RefusesMaildirPathEscapingTheDataDirectory()
    {
        var mailbox = new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "bob@contoso.com", DeliveryTarget = "../../etc" };
        Assert.NotEmpty(RecipientService.ValidateFields(mailbox).For(nameof(Recipient.DeliveryTarget)));
    }

    [Fact]
    public void Group_CannotContainItself()
    {
        var group = new Recipient { Kind = RecipientKind.DistributionGroup, PrimaryAddress = "all@contoso.com" };
        group.MemberIds = [group.Id];
        Assert.NotEmpty(RecipientService.ValidateFields(group).For(nameof(Recipient.MemberIds)));
    }

    private static TransportRule Rule(params RuleAction[] actions) => new()
    {
        Name = "External tag",
        Definition = new RuleDefinition
        {
            Conditions = [new RulePredicate { Kind = "SenderScope", Values = ["NotInOrganization"] }],
            Actions = [.. actions],
        },
    };

    [Fact]
    public void Rule_HasNoErrors_When_KindsAndArgumentsAreValid() =>
        Assert.True(TransportRuleService.ValidateFields(Rule(new RuleAction { Kind = "PrependSubject", Arguments = { ["Text"] = "[EXTERNAL] " } })).IsEmpty);

    [Fact]
    public void Rule_RequiresAnAction() =>
        Assert.NotEmpty(TransportRuleService.ValidateFields(Rule()).For("Actions"));

    [Fact]
    public void Rule_RefusesInvalidPattern()
    {
        var rule = Rule(new RuleAction { Kind = "DeleteSilently" });
        rule.Definition.Conditions.Add(new RulePredicate { Kind = "SubjectMatchesPatterns", Values = ["(unclosed"] });
        Assert.Contains(TransportRuleService.ValidateFields(rule).For("Conditions"), m => m.Contains("is not a valid pattern"));
    }

    [Fact]
    public void Rule_RefusesUnknownKindsAndMissingArguments()
    {
        var rule = Rule(new RuleAction { Kind = "Teleport" }, new RuleAction { Kind = "PrependSubject" });
        rule.Definition.Exceptions.Add(new RulePredicate { Kind = "MoonPhaseIs", Values = ["full"] });
        var errors = TransportRuleService.ValidateFields(rule);
        Assert.Contains(errors.For("Actions"), m => m.Contains("'Teleport' is not an action"));
        Assert.Contains(errors.For("Actions"), m => m.Contains("needs a value for Text"));
        Assert.Contains(errors.For("Exceptions"), m => m.Contains("'MoonPhaseIs' is not a condition"));
    }

    [Fact]
    public void Rule_RefusesExpiryBeforeActivation()
    {
        var rule = Rule(new RuleAction { Kind = "DeleteSilently" });
        rule.ActivationDate = new DateTimeOffset(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);
        rule.ExpiryDate = rule.ActivationDate.Value.AddDays(-1);
        Assert.NotEmpty(TransportRuleService.ValidateFields(rule).For(nameof(TransportRule.ExpiryDate)));
    }

    [Fact]
    public void Rule_RefusesTemporaryStatusCodeForReject()
    {
        var rule = Rule(new RuleAction { Kind = "Reject", Arguments = { ["Text"] = "No", ["EnhancedStatusCode"] = "4.7.1" } });
        Assert.Contains(TransportRuleService.ValidateFields(rule).For("Actions"), m => m.Contains("5.x.y"));
    }

    [Fact]
    public void AuditJson_HidesSecrets_When_SerializingRecipientsAndConnectors()
    {
        var mailbox = new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "bob@contoso.com", SubmissionPasswordHash = "AQAAAAEAACcQAAAAE-secret-hash" };
        var connector = new SendConnector { Name = "Relay", SmartHostPasswordProtected = "CfDJ8-protected-secret" };
        var mailboxJson = AuditJson.Serialize(mailbox);
        var connectorJson = AuditJson.Serialize(connector);
        Assert.DoesNotContain("secret-hash", mailboxJson);
        Assert.DoesNotContain("protected-secret", connectorJson);
        Assert.Contains(AuditJson.SecretSetMarker, mailboxJson);
        Assert.Contains(AuditJson.SecretSetMarker, connectorJson);
        Assert.Contains("bob@contoso.com", mailboxJson);
    }
}
