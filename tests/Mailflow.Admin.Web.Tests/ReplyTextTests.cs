using Mailflow.Admin.Web.Tracking;

namespace Mailflow.Admin.Web.Tests;

public sealed class ReplyTextTests
{
    [Theory]
    [InlineData(451, "451 4.3.0 try later", "451 4.3.0 try later")]
    [InlineData(451, "4.3.0 try later", "451 4.3.0 try later")]
    [InlineData(null, "queued locally", "queued locally")]
    [InlineData(250, null, "250")]
    public void Format_WhenReplyMayAlreadyCarryTheCode_ShowsTheCodeOnce(int? code, string? reply, string expected) =>
        Assert.Equal(expected, ReplyText.Format(code, reply));
}
