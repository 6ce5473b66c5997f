using System.Text;
using Mailflow.Configuration;
using Mailflow.Server.Transport.Categorize;
using Mailflow.Server.Transport.Categorize.Journaling;
using Mailflow.Server.Transport.Categorize.RemoteDomains;
using Mailflow.Server.Transport.Deliver;
using Mailflow.Server.Transport.Route;
using MimeKit;

namespace Mailflow.MailFlow.Tests.Categorize;

/// <summary>
/// Remote domains as pure code: which entry covers a domain, what kind a message is, which recipients
/// the gate drops, trusted partners inside the organization for journal scopes, and the delivery's
/// character set and line wrapping.
/// </summary>
public sealed class RemoteDomainDecisionTests
{
    private static readonly RemoteDomain Fabrikam = new() { Name = "Fabrikam", DomainName = "fabrikam.example", AllowAutomaticReplies = false, AllowNonDeliveryReports = false };
    private static readonly RemoteDomain FabrikamSubdomains = new() { Name = "Fabrikam subsidiaries", DomainName = "*.fabrikam.example", AllowAutomaticForwards = false };
    private static readonly RemoteDomain DeepSubdomains = new() { Name = "Fabrikam EU", DomainName = "*.eu.fabrikam.example", TrustedPartner = true };
    private static readonly RemoteDomain Default = RemoteDomain.CreateDefault();

    private static TransportConfig Config(params RemoteDomain[] entries)
    {
        var builder = new TestConfigBuilder().Domain("contoso.com");
        builder.Mailbox("bob@contoso.com");
        builder.Contact("partner@contoso.com", "carol@fabrikam.example");
        var built = builder.Build();
        return new TransportConfig(built.Generation, built.LoadedAt, built.AcceptedDomains, [], [], built.Recipients, [], built.Organization)
        {
            RemoteDomains = [.. entries],
            JournalRules = [new JournalRule { Name = "internal", Scope = JournalScope.Internal, JournalAddress = "journal@contoso.com" }],
        };
    }

    [Theory]
    [InlineData("fabrikam.example", "Fabrikam")]
    [InlineData("FABRIKAM.example.", "Fabrikam")]
    [InlineData("sales.fabrikam.example", "Fabrikam subsidiaries")]
    [InlineData("paris.eu.fabrikam.example", "Fabrikam EU")]
    [InlineData("eu.fabrikam.example", "Fabrikam subsidiaries")]
    [InlineData("northwind.example", "Default")]
    public void TheExactEntryWins_ThenTheLongestSubdomainEntry_ThenTheDefault(string domain, string expected)
    {
        var table = Config(Default, Fabrikam, FabrikamSubdomains, DeepSubdomains).RemoteDomainSettings;

        Assert.Equal(expected, table.Find(domain).Name);
    }

    [Fact]
    public void TheDefaultIsSynthesized_When_TheStoreHasNone()
    {
        var table = Config(Fabrikam).RemoteDomainSettings;

        Assert.True(table.Find("northwind.example").IsDefault);
        Assert.True(table.RestrictsAnything);
    }

    [Theory]
    [InlineData("Auto-Submitted: auto-replied\r\n", "AutomaticReply")]
    [InlineData("Auto-Submitted: auto-generated\r\nX-Auto-Response-Suppress: All\r\n", "AutomaticReply")]
    [InlineData("X-Auto-Response-Suppress: All\r\nSubject: Automatic reply: Plans\r\n", "AutomaticReply")]
    [InlineData("X-Auto-Response-Suppress: OOF\r\nSubject: Plans\r\n", "Ordinary")]
    [InlineData("X-Autoreply: yes\r\n", "AutomaticReply")]
    [InlineData("Auto-Submitted: auto-forwarded\r\n", "AutomaticForward")]
    [InlineData("Resent-From: bob@contoso.com\r\n", "AutomaticForward")]
    [InlineData("Subject: Plans\r\n", "Ordinary")]
    public void MessagesAreClassifiedFromTheirHeaders(string headers, string expected)
    {
        var message = Parse($"From: bob@contoso.com\r\nTo: carol@fabrikam.example\r\n{headers}\r\nHi\r\n");

        Assert.Equal(expected, OutboundMessageClass.Of(message).Kind.ToString());
    }

    [Theory]
    [InlineData("failed", "NonDeliveryReport")]
    [InlineData("delayed", "DeliveryReport")]
    [InlineData("delivered", "DeliveryReport")]
    public void DsnsAreReportsByTheirAction_BeforeTheirAutoSubmittedHeader(string action, string expected)
    {
        var message = Parse(
            "From: postmaster@contoso.com\r\nTo: carol@fabrikam.example\r\nAuto-Submitted: auto-replied\r\nMIME-Version: 1.0\r\n" +
            "Content-Type: multipart/report; report-type=delivery-status; boundary=b\r\n\r\n" +
            "--b\r\nContent-Type: text/plain\r\n\r\nReport\r\n" +
            $"--b\r\nContent-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; mx.contoso.com\r\n\r\nFinal-Recipient: rfc822; nobody@contoso.com\r\nAction: {action}\r\nStatus: 5.1.1\r\n\r\n" +
            "--b--\r\n");

        Assert.Equal(expected, OutboundMessageClass.Of(message).Kind.ToString());
    }

    [Fact]
    public void TheGateDropsOnlyRecipientsWhoseEntryRefusesTheKind_ContactsIncluded_InsideNever()
    {
        var config = Config(Default, Fabrikam, FabrikamSubdomains);
        var resolution = new RecipientResolver(new RecipientResolverOptions()).Resolve(config, "bob@contoso.com", "partner@contoso.com", "dave@sales.fabrikam.example", "erin@northwind.example");
        var routes = resolution.Deliverable.Select(r => new RoutedRecipient(r, null!)).ToList();
        var reply = OutboundMessageClass.Of(Parse("From: bob@contoso.com\r\nAuto-Submitted: auto-replied\r\n\r\nAway\r\n"));
        var forward = OutboundMessageClass.Of(Parse("From: bob@contoso.com\r\nAuto-Submitted: auto-forwarded\r\n\r\nFwd\r\n"));

        Assert.True(RemoteDomainGate.NeedsContent(config, routes));
        var blockedReply = Assert.Single(RemoteDomainGate.Blocked(config, reply, routes));
        Assert.Equal("carol@fabrikam.example", blockedReply.Recipient.Recipient.Address);
        Assert.Contains("the remote domain entry 'Fabrikam' (fabrikam.example) does not allow automatic replies", blockedReply.Reason);
        Assert.Contains("Dropped without a non-delivery report", blockedReply.Reason);
        Assert.Equal(["dave@sales.fabrikam.example"], RemoteDomainGate.Blocked(config, forward, routes).Select(b => b.Recipient.Recipient.Address));
        Assert.Empty(RemoteDomainGate.Blocked(config, OutboundMessageClass.Ordinary, routes));
        Assert.False(RemoteDomainGate.NeedsContent(Config(Default), routes));
    }

    [Fact]
    public void ATrustedPartnerCountsAsInside_ForJournalScopes()
    {
        var config = Config(Default, DeepSubdomains);
        var resolver = new RecipientResolver(new RecipientResolverOptions());

        Assert.True(config.IsInsideOrganization("paris.eu.fabrikam.example"));
        Assert.False(config.IsInsideOrganization("fabrikam.example"));
        Assert.Single(JournalReports.Select(config, "bob@contoso.com", resolver.Resolve(config, "anna@paris.eu.fabrikam.example")));
        Assert.Empty(JournalReports.Select(config, "bob@contoso.com", resolver.Resolve(config, "carol@fabrikam.example")));
    }

    [Fact]
    public void DeliveryReencodesTextInThePreferredCharset_AndWrapsPlainTextLines()
    {
        var config = Config(Default, new RemoteDomain { Name = "Fabrikam", DomainName = "fabrikam.example", CharacterSet = "iso-8859-1", LineWrapSize = 30 });
        var message = new MimeMessage
        {
            From = { MailboxAddress.Parse("bob@contoso.com") },
            Body = new TextPart("plain") { Text = "Ça va très bien, merci beaucoup pour votre message d'hier soir et à bientôt." },
        };

        var changes = RemoteDomainContentShaper.Apply(config, ["carol@fabrikam.example"], message);

        var part = (TextPart)message.Body;
        Assert.Equal("iso-8859-1", part.ContentType.Charset);
        Assert.All(Lines(part.Text), line => Assert.InRange(line.Length, 1, 30));
        Assert.Equal("Ça va très bien, merci beaucoup pour votre message d'hier soir et à bientôt.", string.Join(" ", Lines(part.Text)));
        Assert.Contains("'Fabrikam': text/plain sent in iso-8859-1", changes);
        Assert.Contains("'Fabrikam': text/plain lines wrapped at 30 characters", changes);
    }

    [Fact]
    public void DeliveryLeavesTextThatDoesNotFit_AndMessagesInsideOrSigned()
    {
        var config = Config(Default, new RemoteDomain { Name = "Fabrikam", DomainName = "fabrikam.example", CharacterSet = "iso-8859-1" });
        var greek = new MimeMessage { Body = new TextPart("plain") { Text = "Καλημέρα" } };
        var inside = new MimeMessage { Body = new TextPart("plain") { Text = "très" } };
        var signed = Parse("MIME-Version: 1.0\r\nContent-Type: multipart/signed; protocol=\"application/pkcs7-signature\"; boundary=s\r\n\r\n--s\r\nContent-Type: text/plain; charset=utf-8\r\n\r\ntrès\r\n--s--\r\n");

        Assert.Contains("not every character fits iso-8859-1", Assert.Single(RemoteDomainContentShaper.Apply(config, ["carol@fabrikam.example"], greek)));
        Assert.Equal("utf-8", ((TextPart)greek.Body).ContentType.Charset);
        Assert.Empty(RemoteDomainContentShaper.Apply(config, ["bob@contoso.com"], inside));
        Assert.Contains("it is multipart/signed", Assert.Single(RemoteDomainContentShaper.Apply(config, ["carol@fabrikam.example"], signed)));
    }

    [Fact]
    public void ANonMimeMessageIsSentInTheNonMimeCharsetAndLabelled()
    {
        var config = Config(Default, new RemoteDomain { Name = "Fabrikam", DomainName = "fabrikam.example", NonMimeCharacterSet = "iso-8859-1" });
        var message = MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes("From: bob@contoso.com\r\nSubject: Hi\r\n\r\nÀ bientôt\r\n")));

        Assert.NotEmpty(RemoteDomainContentShaper.Apply(config, ["carol@fabrikam.example"], message));

        using var output = new MemoryStream();
        message.WriteTo(output);
        var again = MimeMessage.Load(new MemoryStream(output.ToArray()));
        Assert.True(again.Headers.Contains(HeaderId.MimeVersion));
        Assert.Equal("iso-8859-1", Assert.IsType<TextPart>(again.Body).ContentType.Charset);
        Assert.Equal("À bientôt", again.TextBody?.TrimEnd());
    }

    private static string[] Lines(string text) => text.TrimEnd().Replace("\r\n", "\n", StringComparison.Ordinal).Split('\n');

    private static MimeMessage Parse(string text) => MimeMessage.Load(new MemoryStream(Encoding.UTF8.GetBytes(text)));
}
