using Mailflow.Configuration;
using Mailflow.Queue;
using Mailflow.Server.Transport.Agents;
using Mailflow.Server.Transport.Agents.Moderation;
using MimeKit;

namespace Mailflow.Server.Tests.Agents;

/// <summary>What a moderator's reply decides (first word of the text, else of the subject) and who may decide (signed in as a moderator, or From a moderator with DMARC passing).</summary>
public sealed class ModerationReplyTests
{
    private static readonly TransportConfig Snapshot = new(1, DateTimeOffset.UtcNow, [], [], [],
        [new Recipient { Kind = RecipientKind.Mailbox, PrimaryAddress = "legal@contoso.test", ExtraAddresses = ["counsel@contoso.test"] }], [], new OrganizationSettings());

    [Theory]
    [InlineData("Approve\r\n\r\n> quoted", "Re: Approval requested: X", ModerationVerdict.Approve, null)]
    [InlineData("  approved.", "", ModerationVerdict.Approve, null)]
    [InlineData("Reject: not this quarter\r\nthanks", "", ModerationVerdict.Reject, "not this quarter")]
    [InlineData("REJECTED", "", ModerationVerdict.Reject, null)]
    [InlineData("", "RE: AW: Approve: Approval requested: X", ModerationVerdict.Approve, null)]
    [InlineData("Looks fine to me", "Reject", ModerationVerdict.Reject, null)]
    public void ReadDecision_TakesTheFirstWord_OfTheTextThenTheSubject(string text, string subject, ModerationVerdict verdict, string? reason)
    {
        var reply = new MimeMessage { Subject = subject, Body = new TextPart("plain") { Text = text } };
        Assert.Equal((verdict, reason), ModerationReply.ReadDecision(reply));
    }

    [Fact]
    public void ReadDecision_IsNull_WithoutApproveOrReject() =>
        Assert.Null(ModerationReply.ReadDecision(new MimeMessage { Subject = "Re: Approval requested: X", Body = new TextPart("plain") { Text = "Approvals are for Monday." } }));

    [Fact]
    public void FindToken_ReadsInReplyTo_ThenTheSubjectMarker()
    {
        var token = ModerationReplyMarkers.NewToken();
        var threaded = new MimeMessage { InReplyTo = ModerationReplyMarkers.MessageId(token, "contoso.test") };
        Assert.Equal(token, ModerationReplyMarkers.FindToken(threaded));
        Assert.Equal(token, ModerationReplyMarkers.FindToken(new MimeMessage { Subject = $"Re: Approval requested: X {ModerationReplyMarkers.SubjectMarker(token)}" }));
        Assert.Null(ModerationReplyMarkers.FindToken(new MimeMessage { Subject = "Re: Approval requested: X" }));
    }

    [Fact]
    public void Authenticate_AcceptsTheModeratorsMailbox_ByAnyOfItsAddresses()
    {
        Assert.Equal(("counsel@contoso.test", null), ModerationReply.Authenticate(Snapshot, ["counsel@contoso.test"], "legal@contoso.test", "legal@contoso.test", new AgentTags()));
        Assert.Null(ModerationReply.Authenticate(Snapshot, ["counsel@contoso.test"], "alice@contoso.test", "legal@contoso.test", new AgentTags()).Moderator);
    }

    [Fact]
    public void Authenticate_AnExternalModerator_NeedsDmarcPassForTheFromDomain()
    {
        var tags = new AgentTags();
        Assert.Null(ModerationReply.Authenticate(Snapshot, ["ceo@fabrikam.test"], null, "ceo@fabrikam.test", tags).Moderator);
        tags.Set(MessageTagNames.DmarcResult, "pass");
        tags.Set(MessageTagNames.DmarcFromDomain, "fabrikam.test");
        Assert.Equal(("ceo@fabrikam.test", null), ModerationReply.Authenticate(Snapshot, ["ceo@fabrikam.test"], null, "ceo@fabrikam.test", tags));
        Assert.Null(ModerationReply.Authenticate(Snapshot, ["ceo@fabrikam.test"], null, "someone@fabrikam.test", tags).Moderator);
    }
}
