using System.Text;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Categorize;
using Mailflow.Server.Transport.Categorize.Journaling;
using MimeKit;

namespace Mailflow.MailFlow.Tests.Categorize;

/// <summary>Which journal rules record a message (scope, recipient or group filter, disabled rules) and the envelope report's lines.</summary>
public sealed class JournalReportsTests
{
    private static (TransportConfig Config, RecipientResolver Resolver) Directory(params JournalRule[] rules)
    {
        var builder = new TestConfigBuilder().Domain("contoso.com");
        var bob = builder.Mailbox("bob@contoso.com");
        var carol = builder.Mailbox("carol@contoso.com");
        builder.Group("team@contoso.com", bob, carol);
        var built = builder.Build();
        var config = new TransportConfig(built.Generation, built.LoadedAt, built.AcceptedDomains, [], [], built.Recipients, [], built.Organization) { JournalRules = [.. rules] };
        return (config, new RecipientResolver(new RecipientResolverOptions()));
    }

    private static JournalRule Rule(string name, JournalScope scope, string? recipient = null, bool enabled = true) =>
        new() { Name = name, Scope = scope, Recipient = recipient, JournalAddress = $"{name}@journal.example", Enabled = enabled };

    [Theory]
    [InlineData("alice@contoso.com", new[] { "bob@contoso.com" }, new[] { "global", "internal" })]
    [InlineData("alice@fabrikam.example", new[] { "bob@contoso.com" }, new[] { "global", "external" })]
    [InlineData("alice@fabrikam.example", new[] { "carol@contoso.com" }, new[] { "global", "external", "carolonly" })]
    [InlineData("alice@contoso.com", new[] { "team@contoso.com" }, new[] { "global", "internal", "carolonly" })]
    [InlineData("alice@contoso.com", new[] { "bob@contoso.com", "dave@fabrikam.example" }, new[] { "global", "external" })]
    [InlineData("", new[] { "bob@contoso.com" }, new[] { "global", "external" })]
    public void RulesMatchByScopeAndRecipient_When_MessageIsResolved(string sender, string[] recipients, string[] expected)
    {
        var (config, resolver) = Directory(
            Rule("global", JournalScope.Global), Rule("internal", JournalScope.Internal), Rule("external", JournalScope.External),
            Rule("carolonly", JournalScope.Global, recipient: "carol@contoso.com"), Rule("off", JournalScope.Global, enabled: false));

        var matches = JournalReports.Select(config, sender, resolver.Resolve(config, recipients));

        Assert.Equal(expected, matches.Select(m => m.RuleName));
    }

    [Fact]
    public void ReportListsSenderSubjectMessageIdAndEachRecipientsField_When_Built()
    {
        var (config, resolver) = Directory(Rule("global", JournalScope.Global));
        var original = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(
            "From: alice@contoso.com\r\nTo: team@contoso.com\r\nCc: dave@fabrikam.example\r\nSubject: Plans\r\nMessage-Id: <plans@contoso.com>\r\n\r\nHi\r\n")));
        var resolution = resolver.Resolve(config, "team@contoso.com", "dave@fabrikam.example", "erin@fabrikam.example");
        var match = Assert.Single(JournalReports.Select(config, "alice@contoso.com", resolution));

        var report = JournalReports.Build("postmaster@contoso.com", match, original, "alice@contoso.com", resolution);

        Assert.True(report.Headers.Contains(JournalReports.ReportHeader));
        Assert.Equal(["global@journal.example"], report.To.Mailboxes.Select(m => m.Address));
        // One line per field (MimeKit keeps text with the platform's line ends; on the wire they are CRLF).
        Assert.Equal(
            ["Sender: alice@contoso.com", "Subject: Plans", "Message-Id: <plans@contoso.com>",
             "To: bob@contoso.com, Expanded: team@contoso.com", "To: carol@contoso.com, Expanded: team@contoso.com",
             "Cc: dave@fabrikam.example", "Bcc: erin@fabrikam.example"],
            report.BodyParts.OfType<TextPart>().First().Text.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("plans@contoso.com", Assert.Single(report.BodyParts.OfType<MessagePart>()).Message!.MessageId);
    }
}
