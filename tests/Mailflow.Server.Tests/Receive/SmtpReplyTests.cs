using Mailflow.Smtp;

namespace Mailflow.Server.Tests.Receive;

public class SmtpReplyTests
{
    [Fact]
    public void Render_WhenTextHasOneLine_WritesCodeEnhancedCodeAndCrlf()
    {
        Assert.Equal("550 5.7.54 Unable to relay recipient in non-accepted domain\r\n", SmtpReplies.RelayDenied.Render());
    }

    [Fact]
    public void Render_WhenTextHasSeveralLines_UsesHyphenUntilTheLastLine()
    {
        var reply = new SmtpReply(250, "2.0.0", "first\nsecond\nthird");
        Assert.Equal("250-2.0.0 first\r\n250-2.0.0 second\r\n250 2.0.0 third\r\n", reply.Render());
    }

    [Fact]
    public void Render_WhenEnhancedCodeIsNone_WritesNoEnhancedCode()
    {
        Assert.Equal("250-mx.example\r\n250 PIPELINING\r\n", new SmtpReply(250, EnhancedStatusCode.None, "mx.example\nPIPELINING").Render());
    }

    [Fact]
    public void Table_WhenInspected_EveryFinalReplyHasAnEnhancedCodeOfItsClass()
    {
        var replies = typeof(SmtpReplies).GetFields().Select(f => f.GetValue(null)).OfType<SmtpReply>().ToList();
        Assert.True(replies.Count > 30);
        Assert.All(replies, reply =>
        {
            if (reply.Code / 100 == 3)
                Assert.True(reply.Enhanced.IsNone, "RFC 3463 has no class 3: " + reply);
            else
                Assert.Equal(reply.Code / 100, reply.Enhanced.Class);
        });
    }

    [Fact]
    public void Queued_WhenGivenQueueId_NamesItInTheText()
    {
        Assert.Equal("250 2.6.0 <Q42> Queued mail for delivery\r\n", SmtpReplies.Queued("Q42").Render());
    }
}
