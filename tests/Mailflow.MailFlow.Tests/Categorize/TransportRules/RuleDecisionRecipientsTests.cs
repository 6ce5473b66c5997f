using System.Net;
using System.Text;
using Mailflow.Server.Transport;
using Mailflow.Server.Transport.Categorize.TransportRules;
using Mailflow.Smtp;

namespace Mailflow.MailFlow.Tests.Categorize.TransportRules;

public sealed class RuleDecisionRecipientsTests
{
    private static readonly EnvelopeRecipient Bob = new("bob@contoso.com", DsnNotify.Failure, "rfc822;bob@contoso.com");
    private static readonly EnvelopeRecipient Carol = new("carol@partner.example");

    [Fact]
    public void RecipientsAreUnchanged_When_NoRuleTouchedThem()
    {
        Assert.Equal([Bob, Carol], RuleDecision.None.ApplyToRecipients([Bob, Carol]).ToArray());
    }

    [Fact]
    public void RedirectReplacesRecipientsAndAddedOnesFollow_When_RulesRedirectAndAdd()
    {
        var decision = RuleDecision.None with
        {
            RedirectTo = ["audit@contoso.com"],
            AddedRecipients = [new AddedRecipient("archive@contoso.com", RecipientField.Bcc, "r"), new AddedRecipient("AUDIT@contoso.com", RecipientField.Cc, "r")],
        };
        Assert.Equal(["audit@contoso.com", "archive@contoso.com"], decision.ApplyToRecipients([Bob, Carol]).Select(r => r.Address));
    }

    [Fact]
    public void AddedRecipientsJoinTheOriginalOnes_When_NoRedirect()
    {
        var decision = RuleDecision.None with { AddedRecipients = [new AddedRecipient("boss@contoso.com", RecipientField.To, "r"), new AddedRecipient("BOB@contoso.com", RecipientField.Cc, "r")] };
        var recipients = decision.ApplyToRecipients([Bob, Carol]);
        Assert.Equal(["bob@contoso.com", "carol@partner.example", "boss@contoso.com"], recipients.Select(r => r.Address));
        Assert.Same(Bob, recipients[0]); // the original keeps its DSN parameters
    }

    [Fact]
    public async Task ContextCarriesEnvelopeFacts_When_LoadedFromStoredContent()
    {
        var envelope = new MessageEnvelope("alice@contoso.com", [Bob, Carol], BodyType.EightBitMime, false, DsnReturn.Headers, null,
            new ClientInfo(IPAddress.Parse("198.51.100.7"), 40000, new IPEndPoint(IPAddress.Loopback, 25), "client.example", "alice", "Tls13", null),
            Guid.NewGuid(), "Default", DateTimeOffset.UnixEpoch, "node-a");
        var content = new MemoryStream(Encoding.ASCII.GetBytes("From: alice@contoso.com\r\nSubject: Stored\r\n\r\nbody\r\n"));

        var context = await RuleMessageContext.LoadAsync(envelope, content, content.Length, scl: 2);

        Assert.Equal("alice@contoso.com", context.EnvelopeSender);
        Assert.Equal(["bob@contoso.com", "carol@partner.example"], context.Recipients);
        Assert.Equal(IPAddress.Parse("198.51.100.7"), context.ClientAddress);
        Assert.True(context.Authenticated);
        Assert.Equal(2, context.Scl);
        Assert.Equal(content.Length, context.SizeBytes);
        Assert.Equal("Stored", context.Message.Subject);
    }
}
