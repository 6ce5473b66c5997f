using System.Collections.Immutable;
using System.Text;
using Mailflow.Server.Transport.Categorize.TransportRules;
using MimeKit;
using MimeKit.Cryptography;
using static Mailflow.MailFlow.Tests.Categorize.TransportRules.RuleTestMessages;

namespace Mailflow.MailFlow.Tests.Categorize.TransportRules;

public sealed class MessageContentEditorTests
{
    private const string Rule = "rule";

    private static RuleDecision Changes(params ContentChange[] changes) => RuleDecision.None with { ContentChanges = [.. changes] };

    /// <summary>Writes the message as it would be stored and parses it back, so assertions see the bytes, not MimeKit's object graph.</summary>
    private static MimeMessage RoundTrip(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(FormatOptions.Default, stream);
        stream.Position = 0;
        return MimeMessage.Load(stream);
    }

    private static string Serialize(MimeMessage message)
    {
        using var stream = new MemoryStream();
        message.WriteTo(FormatOptions.Default, stream);
        return Encoding.UTF8.GetString(stream.ToArray());
    }

    private static DisclaimerChange Disclaimer(DisclaimerPosition position = DisclaimerPosition.Append, DisclaimerFallback fallback = DisclaimerFallback.Wrap, string? html = null) =>
        new(Rule, "This email is confidential.\nContoso Ltd.", html, position, fallback);

    [Fact]
    public void SubjectIsPrefixedOnce_When_PrependSubjectRunsTwice()
    {
        var message = Parse(ContentTestMessages.PlainText);
        var decision = Changes(new PrependSubjectChange(Rule, "[EXTERNAL] "));

        var first = MessageContentEditor.Apply(message, decision);
        var second = MessageContentEditor.Apply(first.Message, decision);

        Assert.Equal("[EXTERNAL] Status", RoundTrip(second.Message).Subject);
        Assert.Single(first.Applied);
        Assert.Empty(second.Applied);
    }

    [Fact]
    public void HeaderIsReplacedOrAdded_When_SetHeaderRuns()
    {
        var result = MessageContentEditor.Apply(Parse(ContentTestMessages.PlainText), Changes(
            new SetHeaderChange(Rule, "X-Remove-Me", "replaced"),
            new SetHeaderChange(Rule, "X-Classification", "Confidential")));

        var message = RoundTrip(result.Message);
        Assert.Equal(["replaced"], message.Headers.Where(h => h.Field == "X-Remove-Me").Select(h => h.Value));
        Assert.Equal("Confidential", message.Headers["X-Classification"]);
        Assert.Equal(2, result.Applied.Length);
    }

    [Fact]
    public void EveryOccurrenceIsRemoved_When_RemoveHeaderRuns()
    {
        var result = MessageContentEditor.Apply(Parse(ContentTestMessages.PlainText), Changes(new RemoveHeaderChange(Rule, "x-remove-me")));
        Assert.False(RoundTrip(result.Message).Headers.Contains("X-Remove-Me"));
        Assert.Contains("removed the header", Assert.Single(result.Applied));
    }

    [Theory]
    [InlineData("Content-Type")]
    [InlineData("MIME-Version")]
    [InlineData("content-transfer-encoding")]
    public void StructureHeadersAreLeftAlone_When_RuleTriesToChangeThem(string header)
    {
        var original = Serialize(Parse(ContentTestMessages.PlainText));
        var result = MessageContentEditor.Apply(Parse(ContentTestMessages.PlainText), Changes(
            new SetHeaderChange(Rule, header, "text/html"), new RemoveHeaderChange(Rule, header)));
        Assert.Equal(original, Serialize(result.Message));
        Assert.All(result.Applied, a => Assert.Contains("describes the message's structure", a));
    }

    [Fact]
    public void ToAndCcRecipientsAreAddedToHeadersButBccIsNot_When_RulesAddRecipients()
    {
        var decision = RuleDecision.None with
        {
            AddedRecipients =
            [
                new AddedRecipient("boss@contoso.com", RecipientField.Cc, Rule),
                new AddedRecipient("team@contoso.com", RecipientField.To, Rule),
                new AddedRecipient("BOB@fabrikam.example", RecipientField.Cc, Rule),
                new AddedRecipient("archive@contoso.com", RecipientField.Bcc, Rule),
            ],
        };

        var message = RoundTrip(MessageContentEditor.Apply(Parse(ContentTestMessages.PlainText), decision).Message);

        Assert.Equal(["bob@fabrikam.example", "team@contoso.com"], message.To.Mailboxes.Select(m => m.Address));
        Assert.Equal(["boss@contoso.com"], message.Cc.Mailboxes.Select(m => m.Address));
        Assert.Empty(message.Bcc);
        Assert.DoesNotContain("archive@contoso.com", Serialize(message));
    }

    [Theory]
    [InlineData(DisclaimerPosition.Append)]
    [InlineData(DisclaimerPosition.Prepend)]
    public void DisclaimerIsInsertedIntoPlainText_When_PositionIsGiven(DisclaimerPosition position)
    {
        var result = MessageContentEditor.Apply(Parse(ContentTestMessages.PlainText), Changes(Disclaimer(position)));

        var body = Assert.IsType<TextPart>(RoundTrip(result.Message).Body).Text;
        var expected = position == DisclaimerPosition.Append
            ? "The build is green.\r\n\r\nThis email is confidential.\r\nContoso Ltd.\r\n"
            : "This email is confidential.\r\nContoso Ltd.\r\n\r\nThe build is green.\r\n";
        Assert.Equal(expected, body.ReplaceLineEndings("\r\n"));
        Assert.Null(result.Rejection);
    }

    [Fact]
    public void PartBecomesUtf8QuotedPrintable_When_DisclaimerDoesNotFitItsAsciiCharset()
    {
        var disclaimer = new DisclaimerChange(Rule, "Vertraulich — Müller GmbH", null, DisclaimerPosition.Append, DisclaimerFallback.Wrap);
        var result = MessageContentEditor.Apply(Parse(ContentTestMessages.PlainText), Changes(disclaimer));

        var raw = Serialize(result.Message);
        var part = Assert.IsType<TextPart>(RoundTrip(result.Message).Body);
        Assert.Equal("utf-8", part.ContentType.Charset, ignoreCase: true);
        Assert.Equal(ContentEncoding.QuotedPrintable, part.ContentTransferEncoding);
        Assert.EndsWith("Vertraulich — Müller GmbH\r\n", part.Text.ReplaceLineEndings("\r\n"));
        Assert.True(Ascii.IsValid(raw), "a 7bit message stays 7-bit clean");
    }

    [Theory]
    [InlineData(DisclaimerPosition.Append, "<html><body class=\"x\"><p>The build is green.</p><p>This email is confidential.<br>Contoso Ltd.</p></body></html>")]
    [InlineData(DisclaimerPosition.Prepend, "<html><body class=\"x\"><p>This email is confidential.<br>Contoso Ltd.</p><p>The build is green.</p></body></html>")]
    public void DisclaimerIsInsertedInsideHtmlBody_When_MessageIsHtml(DisclaimerPosition position, string expected)
    {
        var result = MessageContentEditor.Apply(Parse(ContentTestMessages.Html), Changes(Disclaimer(position)));
        Assert.Equal(expected, Assert.IsType<TextPart>(RoundTrip(result.Message).Body).Text.TrimEnd());
    }

    [Fact]
    public void BothAlternativesGetTheDisclaimer_When_MessageIsMultipartAlternative()
    {
        var result = MessageContentEditor.Apply(Parse(ContentTestMessages.Alternative),
            Changes(Disclaimer(html: "<div class=\"disclaimer\">Confidential &amp; proprietary</div>")));

        var message = RoundTrip(result.Message);
        Assert.EndsWith("This email is confidential.\r\nContoso Ltd.", message.TextBody!.ReplaceLineEndings("\r\n").TrimEnd());
        Assert.Contains("<p>The build is green.</p><div class=\"disclaimer\">Confidential &amp; proprietary</div></body>", message.HtmlBody);
        Assert.Contains("text/plain and text/html", Assert.Single(result.Applied));
    }

    [Fact]
    public void OnlyTheBodyTextChangesAndAttachmentsStayIntact_When_MessageHasAttachments()
    {
        var result = MessageContentEditor.Apply(Parse(ContentTestMessages.MixedWithAttachment), Changes(Disclaimer()));

        var message = RoundTrip(result.Message);
        var mixed = Assert.IsType<Multipart>(message.Body);
        Assert.Equal(2, mixed.Count);
        Assert.EndsWith("Contoso Ltd.", ((TextPart)mixed[0]).Text.TrimEnd());
        var attachment = (TextPart)mixed[1];
        Assert.Equal("build.log", attachment.FileName);
        Assert.Equal("log line", attachment.Text.TrimEnd());
    }

    [Fact]
    public void DisclaimerIsAddedAsAPart_When_MessageHasNoBodyText()
    {
        const string raw = "From: a@contoso.com\r\nSubject: scan\r\nMIME-Version: 1.0\r\nContent-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n";
        var result = MessageContentEditor.Apply(Parse(raw), Changes(Disclaimer()));

        var mixed = Assert.IsType<Multipart>(RoundTrip(result.Message).Body);
        Assert.Equal(["image/png", "text/plain"], mixed.Select(p => p.ContentType.MimeType));
    }

    public static TheoryData<string> SealedMessages => new() { ContentTestMessages.Signed, ContentTestMessages.Encrypted, ContentTestMessages.SignedInsideMixed };

    [Theory]
    [MemberData(nameof(SealedMessages))]
    public void SealedMessageIsAttachedUnchangedToADisclaimerMessage_When_FallbackIsWrap(string raw)
    {
        var original = Parse(raw);
        var originalBytes = Serialize(original);

        var result = MessageContentEditor.Apply(original, Changes(Disclaimer()));

        Assert.NotSame(original, result.Message);
        Assert.Contains("attached unchanged", Assert.Single(result.Applied));
        var wrapper = RoundTrip(result.Message);
        Assert.Equal("Status", wrapper.Subject);
        Assert.Equal("alice@contoso.com", wrapper.From.Mailboxes.Single().Address);
        Assert.Equal("bob@fabrikam.example", wrapper.To.Mailboxes.Single().Address);
        var mixed = Assert.IsType<Multipart>(wrapper.Body);
        Assert.Equal("multipart/mixed", mixed.ContentType.MimeType);
        Assert.StartsWith("This email is confidential.", ((TextPart)mixed[0]).Text);
        var attached = Assert.IsType<MessagePart>(mixed[1]);
        Assert.True(attached.IsAttachment);
        // The original travels byte for byte: its signature still verifies.
        Assert.Equal(originalBytes, Serialize(attached.Message!));
        Assert.False(DisclaimerApplier.CanModify(attached.Message!));
    }

    [Fact]
    public void WrappedDisclaimerHasHtmlAlternative_When_HtmlIsGiven()
    {
        var result = MessageContentEditor.Apply(Parse(ContentTestMessages.Signed), Changes(Disclaimer(html: "<b>Confidential</b>")));
        var first = Assert.IsType<Multipart>(RoundTrip(result.Message).Body)[0];
        var alternative = Assert.IsType<MultipartAlternative>(first);
        Assert.Equal(["text/plain", "text/html"], alternative.Select(p => p.ContentType.MimeType));
        Assert.Contains("<b>Confidential</b>", ((TextPart)alternative[1]).Text);
    }

    [Theory]
    [MemberData(nameof(SealedMessages))]
    public void SealedMessageIsLeftAsItWas_When_FallbackIsIgnore(string raw)
    {
        var original = Parse(raw);
        var before = Serialize(original);

        var result = MessageContentEditor.Apply(original, Changes(Disclaimer(fallback: DisclaimerFallback.Ignore), new PrependSubjectChange(Rule, "[X] ")));

        Assert.Same(original, result.Message);
        Assert.Null(result.Rejection);
        // The subject is a header, outside the signed body, so later changes still apply.
        Assert.Equal(before.Replace("Subject: Status", "Subject: [X] Status"), Serialize(result.Message));
    }

    [Theory]
    [MemberData(nameof(SealedMessages))]
    public void SealedMessageIsRejected_When_FallbackIsReject(string raw)
    {
        var result = MessageContentEditor.Apply(Parse(raw), Changes(Disclaimer(fallback: DisclaimerFallback.Reject)));
        Assert.Equal("5.7.1", result.Rejection!.EnhancedStatusCode);
        Assert.Equal(Rule, result.Rejection.RuleName);
    }

    [Fact]
    public void SignedAndEncryptedBodiesAreRecognised_When_Parsed()
    {
        Assert.IsType<MultipartSigned>(Parse(ContentTestMessages.Signed).Body);
        Assert.IsType<ApplicationPkcs7Mime>(Parse(ContentTestMessages.Encrypted).Body);
        Assert.False(DisclaimerApplier.CanModify(Parse(ContentTestMessages.SignedInsideMixed)));
        Assert.True(DisclaimerApplier.CanModify(Parse(ContentTestMessages.MixedWithAttachment)));
    }

    [Fact]
    public void RulesAndEditorTogetherProduceTheDeliveredMessage_When_EnforcedRulesMatch()
    {
        var builder = Directory();
        builder.Rule(RuleTestMessages.Rule("external tag", [Predicate("SenderScope", "NotInOrganization")], [Action("PrependSubject", ("Text", "[EXTERNAL] "))]))
            .SenderAddressLocation = Mailflow.Configuration.SenderAddressLocation.Header;
        builder.Rule(RuleTestMessages.Rule("legal", actions: [Action("ApplyDisclaimer", ("Text", "Contoso legal notice."))]));
        builder.Rule(RuleTestMessages.Rule("cc boss", [Predicate("AttachmentExtensionIs", "xlsx")], [Action("AddRecipients", ("Addresses", "boss@contoso.com"), ("Field", "Cc"))]));
        var context = Context();

        var evaluation = TransportRuleEvaluator.Evaluate(builder.Build(), context, DateTimeOffset.UnixEpoch);
        var edited = MessageContentEditor.Apply(context.Message, evaluation.Decision);

        var message = RoundTrip(edited.Message);
        Assert.Equal("[EXTERNAL] Résumé of the quarterly report", message.Subject);
        Assert.EndsWith("Contoso legal notice.", message.TextBody!.TrimEnd());
        Assert.Contains("<p>Contoso legal notice.</p></body>", message.HtmlBody);
        Assert.Contains("boss@contoso.com", message.Cc.Mailboxes.Select(m => m.Address));
        Assert.Single(message.Attachments);
        Assert.Equal(3, edited.Applied.Length);
        Assert.Equal(ImmutableArray<string>.Empty, evaluation.Problems);
    }
}
